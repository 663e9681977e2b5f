import Hummingbird
import QuorumCore
import QuorumStore

/// Annotating: the next item, saving an answer, and (for leads) every answer to an item.
struct AnnotateController {
    let database: any Store
    let pages: PageRenderer
    let snapshots: AgreementSnapshots
    let spanSuggestions: SpanSuggestions

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/projects/{id}/next") { request, context in try await next(request, context) }
        router.get("/api/projects/{id}/answered") { request, context in try await answered(request, context) }
        router.get("/api/projects/{id}/progress") { request, context in
            let user = try context.user()
            return API.json(try await progress(try project(try request.id(context), for: user), user))
        }
        router.get("/api/items/{id}") { request, context in try await item(request, context) }
        router.put("/api/items/{id}/annotation") { request, context in try await save(request, context) }
        router.get("/api/items/{id}/annotations") { request, context in try await all(request, context) }
        router.get("/projects/{id}/annotate") { request, context in try await page(request, context) }
        // A project's own address, as people shorten a link, is its annotating page.
        router.get("/projects/{id}") { request, context in
            Response(status: .seeOther, headers: [.location: "/projects/\(try request.id(context))/annotate"])
        }
    }

    /// The project, if the user may annotate it (a member, or a lead or admin), and whether they are a member.
    func membership(_ id: Int64, for user: User) async throws -> (project: Project, isMember: Bool) {
        guard let found = try await database.project(id: id, member: user) else { throw HTTPError(.notFound, message: "no such project") }
        guard user.role != .annotator || found.isMember else {
            throw HTTPError(.forbidden, message: "you are not a member of this project")
        }
        return found
    }

    /// The project, if the user may annotate it.
    func project(_ id: Int64, for user: User) async throws -> Project {
        try await membership(id, for: user).project
    }

    /// An item as the page needs it: chat turns also come rendered from Markdown (libcmark, raw HTML dropped);
    /// spans items also get the matches of the project's terms and expressions as suggestions.
    func itemJSON(_ item: Item, project: Project) async throws -> JSONValue {
        var item = item
        if project.kind.isJudging { return item.json }
        if project.kind == .spans, !project.spanPatterns.isEmpty, let text = item.input["text"]?.stringValue {
            let imported = (item.suggestions["spans"]?.arrayValue?.compactMap(Span.init(json:)) ?? []).sorted { $0.start < $1.start }
            var suggested = imported
            // The pattern spans come in order: one sweep finds those no imported suggestion overlaps.
            var next = 0, furthestEnd = Int.min
            for span in try await spanSuggestions.spans(in: text, project: project) {
                while next < imported.count, imported[next].start < span.end {
                    furthestEnd = max(furthestEnd, imported[next].end)
                    next += 1
                }
                if furthestEnd <= span.start { suggested.append(span) }
            }
            suggested.sort { $0.start < $1.start }
            var members = item.suggestions.objectValue ?? []
            members.removeAll { $0.key == "spans" }
            members.append((key: "spans", value: .array(suggested.map(\.json))))
            item.suggestions = .object(members)
        }
        guard case .object(var members) = item.json else { return item.json }
        // Rendered as the page shows it: a model's draft where there is one (the conversation the annotator corrects).
        if project.kind == .chat, let messages = (item.suggestions["messages"] ?? item.input["messages"])?.arrayValue {
            members.append((key: "rendered", value: .array(messages.map { .string(Markdown.html($0["content"]?.stringValue ?? "", rawHTML: .showAsText)) })))
        }
        return .object(members)
    }

    /// A judging item as one judge sees it: the prompt and the answers, a comparison's two in the order drawn for
    /// this judge, with no external id, run or model name; their answer on the same sides. A lead looking without
    /// judging (`preview`) sees the pair's order and the runs' names.
    func judgedView(_ item: Item, _ annotation: Annotation?, project: Project, user: User, preview: Bool = false) async throws -> (item: JSONValue, annotation: JSONValue) {
        let aOnLeft = project.kind == .compare && !preview ? try await database.side(itemID: item.id, for: user) : true
        var input = item.input
        if case .object(var members) = input, let i = members.firstIndex(where: { $0.key == "responses" }),
           let responses = members[i].value.arrayValue, responses.count == 2, !aOnLeft {
            members[i].value = .array(responses.reversed())
            input = .object(members)
        }
        var shown: [(key: String, value: JSONValue)] = [("id", .number(String(item.id))), ("external_id", .null), ("input", input)]
        if preview, let setup = project.judging, let runs = try await database.judgedRuns(of: item.id) {
            shown.append(("runs", .array(([runs.a] + (runs.b.map { [$0] } ?? [])).map { .string(setup.name(of: $0)) })))
        }
        return (.object(shown), annotation?.shownToJudge(kind: project.kind, aOnLeft: aOnLeft) ?? .null)
    }

    func progress(_ project: Project, _ user: User) async throws -> JSONValue {
        Self.json(try await database.progress(in: project, of: user))
    }

    static func json(_ progress: AnnotatorProgress) -> JSONValue {
        ["mine": .int(progress.mine), "complete": .int(progress.complete), "items": .int(progress.items)]
    }

    func next(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try context.user()
        let (project, isMember) = try await membership(try request.id(context), for: user)
        // A lead or admin who is not a member only looks: no lease, no slot taken, nothing to save.
        if !isMember {
            let after = request.uri.queryParameters.get("after").flatMap { Int64($0) }
            guard let item = try await database.previewItem(in: project, after: after) else { return Response(status: .noContent) }
            let shown = project.kind.isJudging ? try await judgedView(item, nil, project: project, user: user, preview: true).item
                                               : try await itemJSON(item, project: project)
            return API.json(["item": shown, "annotation": .null, "preview": true, "progress": try await progress(project, user)])
        }
        guard let (item, draft, progress) = try await database.nextItem(in: project, for: user) else { return Response(status: .noContent) }
        if project.kind.isJudging {
            let (shown, answer) = try await judgedView(item, draft, project: project, user: user)
            return API.json(["item": shown, "annotation": answer, "progress": Self.json(progress)])
        }
        return API.json(["item": try await itemJSON(item, project: project), "annotation": draft?.json ?? .null, "progress": Self.json(progress)])
    }

    func answered(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try context.user()
        let project = try await project(try request.id(context), for: user)
        return API.json(["items": .array(try await database.answeredItems(in: project, by: user).map { .number(String($0)) })])
    }

    func loadItem(_ request: Request, _ context: AppRequestContext) async throws -> (Item, Project, User) {
        let user = try context.user()
        guard let (item, project) = try await database.item(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such item") }
        _ = try await self.project(project.id, for: user)
        return (item, project, user)
    }

    /// One item with the caller's own answer (to go back to it); never another annotator's.
    /// Once they have submitted their own answer, annotators also see the item's gold answer and the lead's comments.
    func item(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (item, project, user) = try await loadItem(request, context)
        let annotation = try await database.annotation(itemID: item.id, by: user)
        // A lead or admin who does not judge the project (reviewing it) sees the pair in order with the runs' names.
        let looking = user.role == .annotator ? false : !(try await database.isMember(user: user, of: project))
        let (shown, answer) = project.kind.isJudging ? try await judgedView(item, annotation, project: project, user: user, preview: looking)
                                                     : (try await itemJSON(item, project: project), annotation?.json ?? .null)
        var members: [(key: String, value: JSONValue)] = [
            (key: "item", value: shown), (key: "annotation", value: answer), (key: "progress", value: try await progress(project, user)),
        ]
        // A judged item's gold (a choice in the pair's terms) would tell which answer was the pair's first.
        if !project.kind.isJudging, try await database.hasAnswered(item, by: user) {
            members.append((key: "gold", value: try await database.gold(for: item) ?? .null))
            members.append((key: "comments", value: .array(try await database.comments(on: item))))
        }
        return API.json(.object(members))
    }

    /// The store reads the item and checks the user's membership and the answer in the saving transaction.
    func save(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try context.user()
        let itemID = try request.id(context)
        let input: AnnotationInput
        switch AnnotationInput.decode(try await API.body(request, context: context)) {
        case .success(let decoded): input = decoded
        case .failure(let error): return API.error(.unprocessableContent, error.message, field: error.field)
        }
        do {
            let (stored, project) = try await database.saveAnnotation(input, itemID: itemID, by: user)
            if input.status == .submitted { snapshots.answerSubmitted(in: project) }
            if project.kind == .compare {
                return API.json(stored.shownToJudge(kind: project.kind, aOnLeft: try await database.side(itemID: itemID, for: user)))
            }
            return API.json(project.kind.rates ? stored.shownToJudge(kind: project.kind, aOnLeft: true) : stored.json)
        } catch let error as StoreError {
            return API.response(for: error)
        } catch let problem as FieldError {
            return API.error(.unprocessableContent, problem.message, field: problem.field)
        }
    }

    func all(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        guard let (item, _) = try await database.item(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such item") }
        return API.json(.array(try await database.annotations(itemID: item.id).map(\.json)))
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session else { return try pages.refuse(nil) }
        guard let found = try await database.project(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such project") }
        guard session.user.role != .annotator ? true : try await database.isMember(user: session.user, of: found) else {
            return try pages.refuse(session, "You are not a member of this project: ask its lead to add you.")
        }
        let project = found
        let labels = LabelStyle.context(project.kind.isJudging ? [] : project.labels)
        let scale = (project.judging?.scale?.values ?? []).map { value -> [String: Any] in
            ["value": value, "key": value == "pass" ? "p" : value == "fail" ? "f" : value]
        }
        return try pages.render("annotate", [
            "isCompare": project.kind == .compare, "isRate": project.kind.rates, "isJudging": project.kind.isJudging,
            "scale": scale, "criteria": project.judging?.criteria ?? [],
            "title": "Annotate · \(project.name)", "project": project.name, "projectID": project.id, "kind": project.kind.rawValue,
            "multiLabel": project.multiLabel, "labels": labels, "isSpans": project.kind == .spans, "isChat": project.kind == .chat, "isClassify": project.kind == .classify, "overlapping": project.allowsOverlappingSpans, "csrf": session.csrf, "user": session.user.displayName,
            "guidelines": Markdown.html(project.guidelines), "signedIn": true,
        ])
    }
}
