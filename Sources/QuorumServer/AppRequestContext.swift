import Hummingbird
import QuorumCore
import QuorumStore

/// The request context: who is signed in (set by `SessionMiddleware`), with their session's token.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var session: Session? = nil
    public var token: String? = nil
    /// The API token the request came with (`Authorization: Bearer …`), in place of a session cookie.
    public var apiToken: ApiToken? = nil

    /// The client's address (its IP, without the port), for the sign-in throttle.
    public var clientAddress: String

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The most this request's body may hold (set by `BodyLimitMiddleware` from its route).
    public var bodyLimit = BodyLimits.request
    /// The longest wait for the next bytes of this request's body (set by `BodyLimitMiddleware`).
    public var bodyTimeout: Duration = .seconds(30)

    public var maxUploadSize: Int { bodyLimit }
}
