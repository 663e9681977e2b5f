import Hummingbird
import NIOCore

/// Behind a reverse proxy every request comes from the proxy's address, so the sign-in throttle would pace all clients
/// as one: guesses at a name from anywhere would slow that person's own sign-in. For a request from a proxy named
/// with `serve --trusted-proxy`, the client's address is the one the proxy says it saw, in `X-Forwarded-For`.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard trustedProxies.contains(context.clientAddress),
              let client = Self.client(in: request.headers[values: .xForwardedFor], trusting: trustedProxies) else {
            return try await next(request, context)
        }
        var context = context
        context.clientAddress = client
        return try await next(request, context)
    }

    /// The last address in the header that no trusted proxy stands for. Each proxy appends the address it was reached
    /// from (nginx's `$proxy_add_x_forwarded_for`), so that is the client the first trusted proxy saw; whatever the
    /// client wrote into the header itself stands to the left of it, and is not believed. Hops are compared as the
    /// server writes a peer's address (`::1`, not `0:0:0:0:0:0:0:1`).
    static func client(in values: [String], trusting proxies: Set<String>) -> String? {
        let hops = values.flatMap { $0.split(separator: ",") }.map { hop in
            let text = hop.trimmingCharacters(in: .whitespaces)
            return ServerSettings.proxyAddress(text) ?? text
        }
        return hops.last { !$0.isEmpty && !proxies.contains($0) }
    }
}

extension ServerSettings {
    /// `text` as a trusted proxy's address, written as the server writes a peer's; nil when it is not an IP address.
    public static func proxyAddress(_ text: String) -> String? {
        (try? SocketAddress(ipAddress: text, port: 0))?.ipAddress
    }
}
