import Hummingbird
import QuorumCore
import QuorumStore

/// The home page: every project with its progress.
struct HomeController {
    let database: any Store
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { _, context in try await home(context) }
    }

    func home(_ context: AppRequestContext) async throws -> Response {
        guard let session = context.session else { return Response(status: .seeOther, headers: [.location: "/login"]) }
        let projects = try await database.projectSummaries(visibleTo: session.user).map { summary -> [String: Any] in
            let percent = summary.items == 0 ? 0 : Int((Double(summary.completeItems) / Double(summary.items) * 100).rounded(.down))
            return [
                "id": summary.project.id, "name": summary.project.name, "slug": summary.project.slug,
                "kind": summary.project.kind.rawValue, "items": summary.items, "annotations": summary.annotations,
                "complete": summary.completeItems, "percent": percent,
                "labels": summary.project.labels.joined(separator: ", "), "isLead": session.user.role != .annotator,
            ]
        }
        return try pages.render("home", ["title": "Projects", "projects": projects, "hasProjects": !projects.isEmpty,
                                         "signedIn": true, "user": session.user.displayName, "csrf": session.csrf,
                                         "isAdmin": session.user.role == .admin])
    }
}
