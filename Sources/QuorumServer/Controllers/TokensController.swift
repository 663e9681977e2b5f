import Hummingbird
import QuorumCore
import QuorumStore

/// The tokens page, for leads and admins: admins make and revoke tokens for anyone, leads for themselves.
struct TokensController {
    let database: any Store
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/tokens") { _, context in try await page(context) }
        router.post("/tokens") { request, context in try await create(request, context) }
        router.post("/tokens/revoke") { request, context in try await revoke(request, context) }
    }

    func page(_ context: AppRequestContext, created: (String, String)? = nil, message: String? = nil, error: String? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator, context.apiToken == nil else { return try pages.refuse(context.session) }
        let admin = session.user.role == .admin
        var page: [String: Any] = ["title": "API tokens", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf, "isAdmin": admin,
                                   "message": message ?? "", "error": error ?? ""]
        page["tokens"] = try await database.tokens(of: admin ? nil : session.user).map { token -> [String: Any] in
            ["name": token.name, "user": token.user.username, "project": token.projectID.map(String.init) ?? "all", "scope": token.scope.rawValue,
             "created": token.createdAt, "lastUsed": token.lastUsedAt ?? "never", "state": token.revokedAt.map { "revoked \($0)" } ?? "live",
             "live": token.revokedAt == nil, "csrf": session.csrf]
        }
        page["users"] = admin ? try await database.users().filter { !$0.disabled }.map { ["username": $0.username] } : [["username": session.user.username]]
        page["projects"] = try await database.projectSummaries().map { ["id": $0.project.id, "name": $0.project.name] }
        if let (name, token) = created { page["created"] = ["name": name, "token": token] }
        return try pages.render("tokens", page, status: status)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let me = try context.lead()
        let form = FormBody(try await BodyReader.collect(request, context: context))
        let name = form.fields["user"] ?? me.username
        guard let owner = try await database.user(named: name), me.role == .admin || owner.id == me.id else {
            return try await page(context, error: "Leads make tokens that act as themselves; an admin makes them for others.", status: .forbidden)
        }
        guard let scope = form.fields["scope"].flatMap(ApiToken.Scope.init(rawValue:)) else {
            return try await page(context, error: "Pick a scope: ingest, read or lead.", status: .unprocessableContent)
        }
        let reference = form.fields["project"].flatMap { $0.isEmpty ? nil : $0 }
        let project = reference == nil ? nil : try await database.findRequiredProject(reference!)
        do {
            let (token, text) = try await database.createToken(name: form.fields["name"] ?? "", user: owner, project: project, scope: scope)
            return try await page(context, created: (token.name, text))
        } catch let error as StoreError {
            return try await page(context, error: error.message, status: .unprocessableContent)
        }
    }

    func revoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let me = try context.lead()
        let form = FormBody(try await BodyReader.collect(request, context: context))
        let name = form.fields["name"] ?? ""
        guard let token = try await database.tokens(of: me.role == .admin ? nil : me).first(where: { $0.name == name && $0.revokedAt == nil }) else {
            return try await page(context, error: "No live token of yours named “\(name)”.", status: .notFound)
        }
        _ = try await database.revokeToken(named: token.name)
        return try await page(context, message: "Token “\(token.name)” revoked: refused from now on.")
    }
}
