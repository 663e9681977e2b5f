import Foundation
import Hummingbird
import QuorumCore
import QuorumStore

/// The lead's items page — search by text, filter by label, state and annotator, page through any number of items —
/// and each item's own page: its input, every answer, the gold answer, comments and the history of every change.
struct ItemsController {
    let database: any Store
    let pages: PageRenderer
    static let pageSize = 50

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/projects/{id}/items") { request, context in try await listPage(request, context) }
        router.get("/api/projects/{id}/items") { request, context in
            _ = try context.lead()
            let (project, filter, after) = try await query(request, context)
            let found = try await database.items(in: project, matching: filter, after: after, limit: Self.pageSize)
            return API.json(["items": .array(found.map(\.json)),
                             "next_after": found.count == Self.pageSize ? .number(String(found.last!.id)) : .null])
        }
        router.get("/items/{id}") { request, context in try await itemPage(request, context) }
        router.post("/items/{id}/correction") { request, context in try await correct(request, context) }
        router.get("/api/items/{id}/history") { request, context in
            _ = try context.lead()
            guard let (item, _) = try await database.item(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such item") }
            return API.json(.array(try await database.history(of: item)))
        }
    }

    func query(_ request: Request, _ context: AppRequestContext) async throws -> (Project, ItemFilter, Int64?) {
        guard let project = try await database.findProject(String(try request.id(context))) else { throw HTTPError(.notFound, message: "no such project") }
        let parameters = request.uri.queryParameters
        let stateName = parameters.get("state") ?? ""
        guard stateName.isEmpty || ItemFilter.State(rawValue: stateName) != nil else {
            throw HTTPError(.badRequest, message: "state must be one of \(ItemFilter.State.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let filter = ItemFilter(text: parameters.get("q"), label: parameters.get("label"), state: ItemFilter.State(rawValue: stateName),
                                annotator: parameters.get("annotator"))
        return (project, filter, parameters.get("after").flatMap { Int64($0) })
    }

    func base(_ session: Session, title: String) -> [String: Any] {
        ["title": title, "signedIn": true, "user": session.user.displayName, "csrf": session.csrf, "isAdmin": session.user.role == .admin]
    }

    func listPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let (project, filter, after) = try await query(request, context)
        let found = try await database.items(in: project, matching: filter, after: after, limit: Self.pageSize)
        var page = base(session, title: "Items · \(project.name)")
        page.merge([
            "projectID": project.id, "project": project.name, "kind": project.kind.rawValue,
            "q": filter.text ?? "", "annotator": filter.annotator ?? "",
            "labels": project.labels.map { ["name": $0, "selected": $0 == filter.label] },
            "states": ItemFilter.State.allCases.map { ["name": $0.rawValue, "selected": $0 == filter.state] },
            "items": found.map { item -> [String: Any] in
                var row: [String: Any] = ["id": item.id, "excerpt": item.excerpt, "submitted": item.submitted, "split": item.split ?? ""]
                if let externalID = item.externalID { row["externalID"] = externalID }
                if let gold = item.gold { row["gold"] = gold }
                return row
            },
            "hasItems": !found.isEmpty, "count": found.count,
            "next": found.count == Self.pageSize ? Self.link(project, filter, after: found.last?.id) : "",
            "first": after == nil ? "" : Self.link(project, filter, after: nil),
        ]) { _, new in new }
        return try pages.render("items", page)
    }

    /// One answer as the item page shows it.
    static func row(_ answer: Annotation) -> [String: Any] {
        let spans = (answer.spans.arrayValue ?? []).compactMap(Span.init(json:)).map { "\($0.text) [\($0.label)] \($0.start)–\($0.end)" }
        let final = answer.messages?.arrayValue?.last(where: { $0["role"]?.stringValue == "assistant" })?["content"]?.stringValue ?? ""
        return ["annotator": answer.annotator.username, "status": answer.status.rawValue, "decision": answer.decision?.rawValue ?? "",
                "labels": answer.labels.joined(separator: ", "), "spans": spans.joined(separator: "; "), "final": final,
                "note": answer.note, "seconds": String(format: "%.0f", answer.secondsSpent), "updated": answer.updatedAt, "version": answer.version]
    }

    /// The items page with `filter`, from after `after`.
    static func link(_ project: Project, _ filter: ItemFilter, after: Int64?) -> String {
        var components = URLComponents()
        components.queryItems = [("q", filter.text), ("label", filter.label), ("state", filter.state?.rawValue), ("annotator", filter.annotator),
                                 ("after", after.map(String.init))]
            .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        return "/projects/\(project.id)/items" + (components.queryItems!.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? ""))
    }

    func itemPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        guard let (item, project) = try await database.item(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such item") }
        let answers = try await database.annotations(itemID: item.id)
        let gold = try await database.gold(for: item)
        var page = base(session, title: "Item \(item.id) · \(project.name)")
        page["projectID"] = project.id
        page["project"] = project.name
        page["kind"] = project.kind.rawValue
        page["itemID"] = item.id
        page["externalID"] = item.externalID ?? ""
        page["split"] = try await database.split(of: item) ?? ""
        page["text"] = item.input["text"]?.stringValue ?? ""
        page["messages"] = (item.input["messages"]?.arrayValue ?? []).map { message -> [String: String] in
            ["role": message["role"]?.stringValue ?? "", "content": message["content"]?.stringValue ?? message["content"]?.jsonText ?? ""]
        }
        page["answers"] = answers.map(Self.row)
        page["hasAnswers"] = !answers.isEmpty
        page["comments"] = try await database.comments(on: item).map { comment -> [String: String] in
            ["username": comment["username"]?.stringValue ?? "", "body": comment["body"]?.stringValue ?? "", "at": comment["created_at"]?.stringValue ?? ""]
        }
        page["history"] = try await database.history(of: item).map { event -> [String: String] in
            ["at": event["at"]?.stringValue ?? "", "by": event["by"]?.stringValue ?? "", "action": event["action"]?.stringValue ?? "",
             "annotator": event["annotator"]?.stringValue ?? "", "after": event["after"]?.jsonText ?? ""]
        }
        if let gold {
            page["gold"] = ["answer": gold["answer"]?.jsonText ?? "", "source": gold["source"]?.stringValue ?? "", "by": gold["decided_by"]?.stringValue ?? ""]
        }
        if project.kind == .watch {
            page["isWatch"] = true
            page["response"] = item.input["response"]?.stringValue ?? ""
            page["correction"] = try await database.correction(of: item.id) ?? item.input["response"]?.stringValue ?? ""
        }
        return try pages.render("item", page)
    }

    /// A lead's correction of a watch sample (the form on its item page).
    func correct(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try context.lead()
        let form = FormBody(try await BodyReader.collect(request, context: context))
        let id = try request.id(context)
        do {
            try await database.correctSample(itemID: id, answer: (form.fields["answer"] ?? "").replacingOccurrences(of: "\r\n", with: "\n"), by: user)
        } catch let error as StoreError {
            return API.response(for: error)
        }
        return Response(status: .seeOther, headers: [.location: "/items/\(id)"])
    }
}
