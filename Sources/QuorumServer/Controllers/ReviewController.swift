import Foundation
import Hummingbird
import QuorumCore
import QuorumStore

/// The lead's review: the queue of disagreements with every answer side by side, gold picked by key, comments;
/// and the project's dashboard (progress per annotator, agreement and its trend, confusion matrices, flags).
/// Annotators never reach any of it.
struct ReviewController {
    let database: any Store
    let pages: PageRenderer
    let agreements: AgreementCache

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/projects/{id}/review") { request, context in try await page("review", request, context) }
        router.get("/projects/{id}/dashboard") { request, context in try await dashboard(request, context) }
        router.get("/api/projects/{id}/review") { request, context in try await queue(request, context) }
        router.post("/api/projects/{id}/review/promote") { request, context in try await promote(request, context) }
        router.get("/api/projects/{id}/agreement") { request, context in
            _ = try context.lead()
            let project = try await project(request, context)
            let agreement = try await agreements.agreement(of: project)
            try await database.keepSnapshotIfDue(of: project) { agreement }
            return API.json(agreement.json)
        }
        router.get("/api/items/{id}/comments") { request, context in
            _ = try context.lead()
            return API.json(.array(try await database.comments(on: try item(request, context))))
        }
        router.post("/api/items/{id}/comments") { request, context in
            let lead = try context.lead()
            let item = try await item(request, context)
            guard let body = try await API.body(request, context: context)["body"]?.stringValue else {
                return API.error(.unprocessableContent, "a comment needs a body", field: "body")
            }
            do { return API.json(try await database.addComment(body, on: item, by: lead), status: .created) }
            catch let error as StoreError { return API.response(for: error) }
        }
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.findProject(String(try request.id(context))) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func item(_ request: Request, _ context: AppRequestContext) async throws -> Item {
        guard let (item, _) = try await database.item(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such item") }
        return item
    }

    /// The queue, most disagreement first: a read, changing nothing (the review page first asks for agreed answers
    /// to become gold with a POST).
    func queue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let project = try await project(request, context)
        let queue = ReviewQueue(project: project, items: try await database.answeredItems(in: project))
        return API.json(["total": .int(queue.entries.count), "items": .array(Array((queue.json.arrayValue ?? []).prefix(1_000)))])
    }

    /// Agreed answers become gold, when the project's settings allow it.
    func promote(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        return API.json(["promoted_to_gold": .int(try await database.promoteAgreedAnswers(in: try project(request, context)))])
    }

    func page(_ template: String, _ request: Request, _ context: AppRequestContext, extra: [String: Any] = [:]) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let project = try await project(request, context)
        var page: [String: Any] = [
            "title": "\(template == "review" ? "Review" : "Dashboard") · \(project.name)", "signedIn": true,
            "user": session.user.displayName, "csrf": session.csrf, "isAdmin": session.user.role == .admin,
            "projectID": project.id, "project": project.name, "kind": project.kind.rawValue, "multiLabel": project.multiLabel,
            "labels": LabelStyle.context(project.labels), "isResults": project.kind == .compare || project.kind == .rate, "isWatch": project.kind == .watch,
        ]
        page.merge(extra) { _, new in new }
        return try pages.render(template, page)
    }

    func dashboard(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard context.session?.user.role ?? .annotator != .annotator else { return try pages.refuse(context.session) }
        let project = try await project(request, context)
        let agreement = try await agreements.agreement(of: project)
        try await database.keepSnapshotIfDue(of: project) { agreement }
        let view = DashboardView(project: project, agreement: agreement, activity: try await database.activity(in: project),
                                 snapshots: try await database.snapshots(of: project),
                                 pair: (request.uri.queryParameters.get("a").map { String($0) }, request.uri.queryParameters.get("b").map { String($0) }),
                                 suggesting: try await database.suggestionFigures(of: project))
        return try await page("dashboard", request, context, extra: view.context)
    }
}
