import Hummingbird

/// Static files under `/static/<version>/…` (what the pages link to) are served from `/static/…` and cached for a
/// year: the version is a digest of the files themselves, so a change gives new addresses and nothing stale is
/// ever used. Relative imports between modules keep the version, being resolved against a versioned address.
struct StaticVersionMiddleware<Context: RequestContext>: RouterMiddleware {
    let version: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let prefix = "/static/\(version)/"
        guard request.uri.path.hasPrefix(prefix) else { return try await next(request, context) }
        var head = request.head
        head.path = "/static/" + (head.path ?? "").dropFirst(prefix.count)
        var response = try await next(Request(head: head, body: request.body), context)
        if response.status == .ok { response.headers[.cacheControl] = "public, max-age=31536000, immutable" }
        return response
    }
}
