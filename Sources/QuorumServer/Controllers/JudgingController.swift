import Hummingbird
import QuorumCore
import QuorumStore

/// Judging models' answers, for leads: making a compare or rate project from a project's runs, and its results
/// (JSON, and a page with a chart). The judging itself is the annotate page's.
struct JudgingController {
    let database: any Store
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/projects/{id}/judging") { request, context in try await create(request, context) }
        router.get("/api/projects/{id}/results") { request, context in
            _ = try context.lead()
            let project = try await project(request, context)
            do {
                return API.json(try await database.judgingResults(of: project, by: field(request)).json)
            } catch let error as StoreError { return API.response(for: error) }
        }
        router.get("/projects/{id}/results") { request, context in try await page(request, context) }
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.project(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func field(_ request: Request) -> String? {
        request.uri.queryParameters.get("by").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `{"kind": "compare"|"rate", "name", "runs": [ids], "pairs", "scale", "criteria": "a,b", "annotators_per_item"}`
    /// → `{"project": ID, "items": N}`.
    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let source = try await project(request, context)
        let body = try await API.body(request, context: context)
        guard let kind = body["kind"]?.stringValue.flatMap(ProjectKind.init(rawValue:)), kind == .compare || kind == .rate else {
            return API.error(.unprocessableContent, "kind must be compare or rate", field: "kind")
        }
        guard let name = body["name"]?.stringValue else { return API.error(.unprocessableContent, "the new project needs a name", field: "name") }
        guard let ids = body["runs"]?.arrayValue?.compactMap(\.intValue), !ids.isEmpty else {
            return API.error(.unprocessableContent, "choose the runs whose answers are judged", field: "runs")
        }
        var runs: [Run] = []
        for id in ids {
            guard let run = try await database.run(Int64(id)) else { return API.error(.unprocessableContent, "no run \(id)", field: "runs") }
            runs.append(run)
        }
        guard let pairs = JudgingSetup.Pairs(rawValue: body["pairs"]?.stringValue ?? "all") else {
            return API.error(.unprocessableContent, "pairs must be all or first", field: "pairs")
        }
        let scale = body["scale"]?.stringValue.flatMap(JudgingSetup.Scale.init(rawValue:))
        if kind == .rate, scale == nil { return API.error(.unprocessableContent, "scale must be pass-fail or 1-5", field: "scale") }
        do {
            let criteria = try JudgingSetup.criteria(from: body["criteria"]?.stringValue ?? "")
            let (project, items) = try await database.createJudgingProject(
                name: name, kind: kind, from: source, runs: runs, pairs: pairs, scale: scale, criteria: criteria,
                annotatorsPerItem: body["annotators_per_item"]?.intValue ?? 1, guidelines: "")
            return API.json(["project": .number(String(project.id)), "items": .int(items)], status: .created)
        } catch let error as StoreError {
            return API.response(for: error)
        } catch let error as FieldError {
            return API.error(.unprocessableContent, error.message, field: error.field)
        }
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let project = try await project(request, context)
        guard project.kind == .compare || project.kind == .rate else {
            return try pages.refuse(session, "\(project.name) is not a compare or rate project: " + (project.kind == .watch ? "its trend is on its watch page." : "its runs' scores are on its runs page."))
        }
        let by = field(request)
        let results = try await database.judgingResults(of: project, by: by)
        return try pages.render("results", ResultsView(results: results, project: project).context(session: session, by: by ?? ""))
    }
}
