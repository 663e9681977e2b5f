import Hummingbird
import QuorumCore
import QuorumStore

/// Gold answers through the API (leads only): an item's decided answer, which every export uses first.
struct GoldController {
    let database: any Store

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/items/{id}/gold") { request, context in
            _ = try context.lead()
            return API.json(try await database.gold(for: try item(request, context).0) ?? .null)
        }
        router.put("/api/items/{id}/gold") { request, context in try await set(request, context) }
        router.delete("/api/items/{id}/gold") { request, context in
            _ = try context.lead()
            return API.json(["removed": .bool(try await database.removeGold(for: try item(request, context).0))])
        }
    }

    func item(_ request: Request, _ context: AppRequestContext) async throws -> (Item, Project) {
        guard let found = try await database.item(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such item") }
        return found
    }

    /// The body is an answer as annotators send it: `{"labels": [...]}`, `{"spans": [...]}`, `{"messages": [...]}`
    /// or `{"decision": "reject"}`; it is checked as strictly.
    func set(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let lead = try context.lead()
        let (item, project) = try await item(request, context)
        switch Answer.decode(try await API.body(request, context: context), project: project, input: item.input) {
        case .failure(let error):
            return API.error(.unprocessableContent, error.message, field: error.field)
        case .success(let answer):
            try await database.setGold(answer, for: item, source: .lead, by: lead)
            return API.json(try await database.gold(for: item) ?? .null)
        }
    }
}
