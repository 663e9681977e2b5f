import Hummingbird
import QuorumStore

/// The request context: who is signed in (set by `SessionMiddleware`), with their session's token.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var session: Session? = nil
    public var token: String? = nil

    public init(source: Source) { coreContext = .init(source: source) }

    /// Imports arrive as request bodies: allow large files.
    public var maxUploadSize: Int { 512 * 1024 * 1024 }
}
