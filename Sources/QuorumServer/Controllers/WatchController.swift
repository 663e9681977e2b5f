import Foundation
import Hummingbird
import QuorumCore
import QuorumStore

/// Watching a model in production: samples sent by a service (an ingest token), and the trend for leads (JSON, and
/// a page with a chart: each version's rate per period with its interval as a band).
struct WatchController {
    let database: any Store
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/projects/{id}/samples") { request, context in try await samples(request, context) }
        router.get("/api/projects/{id}/watch") { request, context in
            _ = try context.lead()
            do {
                let (trend, _) = try await trend(request, context)
                return API.json(trend.json)
            } catch let error as StoreError { return API.response(for: error) }
        }
        router.get("/projects/{id}/watch") { request, context in try await page(request, context) }
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.project(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func trend(_ request: Request, _ context: AppRequestContext) async throws -> (WatchTrend, Project) {
        let project = try await project(request, context)
        let parameters = request.uri.queryParameters
        let period = parameters.get("by").flatMap(WatchTrend.Period.init(rawValue:)) ?? .week
        let category = parameters.get("category").flatMap { $0.isEmpty ? nil : $0 }
        return (try await database.watchTrend(of: project, by: period, category: category), project)
    }

    /// `{"samples": [...]}` → 202 `{"received", "kept", "sampled_out", "duplicates", "rejected": [{"index", "field", "message"}]}`:
    /// the good samples are kept whatever the bad ones.
    func samples(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let project = try await project(request, context)
        let decoded: (good: [(Int, WatchSample)], bad: [(Int, FieldError)])
        switch WatchSample.decode(try await API.body(request, context: context)) {
        case .success(let value): decoded = value
        case .failure(let error): return API.error(.unprocessableContent, error.message, field: error.field)
        }
        do {
            let (kept, sampledOut, duplicates) = try await database.addSamples(decoded.good.map(\.1), to: project)
            return API.json(["received": .int(decoded.good.count + decoded.bad.count), "kept": .int(kept), "sampled_out": .int(sampledOut),
                             "duplicates": .int(duplicates),
                             "rejected": .array(decoded.bad.map { ["index": .int($0.0), "field": .string($0.1.field), "message": .string($0.1.message)] })],
                            status: .accepted)
        } catch let error as StoreError {
            return API.response(for: error)
        }
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let (trend, project) = try await self.trend(request, context)
        return try pages.render("watch", WatchView(trend: trend, project: project).context(session: session,
                                by: request.uri.queryParameters.get("category") ?? ""))
    }
}
