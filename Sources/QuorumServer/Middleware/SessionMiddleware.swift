import Hummingbird
import QuorumStore

/// Finds the session behind the `quorum_session` cookie, and refuses (403) any state-changing request
/// that does not carry that session's CSRF token: the `X-CSRF-Token` header, or a `csrf` form field.
/// A request with `Authorization: Bearer …` is a program's: the token alone says who it is (the cookie is then not
/// looked at), only on the JSON API, within the token's scope and project; no CSRF token, as a browser never sends
/// that header on its own.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookieName = "quorum_session"
    /// Where a request may arrive without a session (and so without a token).
    static let open: Set<String> = ["/login", "/api/login"]

    let database: any Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        if let authorization = request.headers[.authorization] {
            return try await program(request, context: context, authorization: authorization, next: next)
        }
        if let token = request.cookies[Self.cookieName]?.value, let session = try await database.session(token: token) {
            context.session = session
            context.token = token
        }
        let changesState = [.post, .put, .patch, .delete].contains(request.method)
        if changesState, !Self.open.contains(request.uri.path) {
            guard let session = context.session else { return API.error(.unauthorized, "sign in first") }
            var sent = request.headers[.csrfToken]
            if sent == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                let body = try await BodyReader.collect(request, context: context)
                request.body = .init(buffer: body)
                sent = FormBody(body).fields["csrf"]
            }
            guard let sent, constantTimeEqual(sent, session.csrf) else {
                return API.error(.forbidden, "missing or wrong CSRF token: send the X-CSRF-Token header (the \"csrf\" from /api/login or /api/me)")
            }
        }
        return try await next(request, context)
    }

    private func program(_ request: Request, context: Context, authorization: String,
                         next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        guard authorization.hasPrefix("Bearer "), path.hasPrefix("/api/") else {
            return API.error(.unauthorized, "a token goes in \"Authorization: Bearer qt_…\", and only on the JSON API (/api/…)")
        }
        let text = authorization.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let token = try await database.token(text: text) else { return API.error(.unauthorized, "unknown or revoked token") }
        guard token.scope.allows(method: request.method.rawValue, path: path) else {
            return API.error(.forbidden, "the token \"\(token.name)\" has the scope \(token.scope.rawValue), which does not take \(request.method.rawValue) \(path)")
        }
        let exportID = path.hasPrefix("/api/exports/") ? path.split(separator: "/").dropFirst(2).first.flatMap { Int64($0) } : nil
        let exportProject = exportID == nil ? nil : try await database.projectOfExport(exportID!)
        guard token.reaches(path: path, exportProject: exportProject) else {
            return API.error(.forbidden, "the token \"\(token.name)\" is for project \(token.projectID ?? 0) only")
        }
        context.session = .program(token)
        context.apiToken = token
        try await database.noteUse(of: token)
        return try await next(request, context)
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// An `application/x-www-form-urlencoded` body.
struct FormBody {
    var fields: [String: String] = [:]

    init(_ buffer: ByteBuffer) {
        let text = String(buffer: buffer)
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = parts.first { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
    }
}
