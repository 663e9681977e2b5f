import Hummingbird
import QuorumCore

/// The most a request body may hold, by route: a sign-in a few KB, an answer or a form a few MB, an import
/// upload its own limit (streamed to disk, never held in memory).
struct BodyLimits: Sendable {
    static let signIn = 16 << 10
    static let request = 8 << 20
    var upload: Int
    /// The longest wait for the next bytes of a body.
    var idleTimeout: Duration

    func limit(for path: String) -> Int {
        if path == "/login" || path == "/api/login" { return Self.signIn }
        if path.hasPrefix("/api/projects/"), path.hasSuffix("/import") || path.hasSuffix("/samples") { return upload }
        return Self.request
    }
}

/// Refuses (413) a request whose declared body is over its route's limit before a byte of it is read, and
/// hands the limit on to whatever reads the body (a body sent without a length is cut off there).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limits: BodyLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = limits.limit(for: request.uri.path)
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return API.error(.contentTooLarge, "the body is \(ByteCount.text(declared)); \(request.uri.path) takes at most \(ByteCount.text(limit))")
        }
        var context = context
        context.bodyLimit = limit
        context.bodyTimeout = limits.idleTimeout
        return try await next(request, context)
    }
}
