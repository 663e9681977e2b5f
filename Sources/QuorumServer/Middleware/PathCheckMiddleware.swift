import Foundation
import Hummingbird

/// Refuses a path holding an encoded NUL or control character (400): no real page has one, and a NUL cut
/// a static file's name short (`/static/app.js%00.css` served app.js as CSS).
struct PathCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let decoded = path.removingPercentEncoding ?? path
        if decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw HTTPError(.badRequest, message: "the path holds a control character")
        }
        return try await next(request, context)
    }
}
