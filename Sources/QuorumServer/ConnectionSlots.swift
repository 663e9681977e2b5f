import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The server's connections, counted, with the last `reserved` of `limit` kept for people who are signed in: a crowd
/// of idle or anonymous sockets fills the rest and no more. A connection that lands in a reserved slot must show a
/// signed-in session with its first request, within `grace`, or it is answered 503 and closed (`ReservedSlotGate`).
final class ConnectionSlots: Sendable {
    let limit: Int
    let reserved: Int
    private let open = Atomic<Int>(0)

    init(limit: Int, reserved: Int) {
        self.limit = limit
        self.reserved = min(reserved, max(0, limit - 1))
    }

    var count: Int { open.load(ordering: .relaxed) }

    /// Whether a connection opened now sits in a reserved slot (the shared ones are all taken).
    var inReserve: Bool { count > limit - reserved }

    func opened() { open.wrappingAdd(1, ordering: .relaxed) }
    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// Hummingbird's hook for counting connections: stops accepting at the limit, counting into `ConnectionSlots`.
struct CountedConnections: AvailableConnectionsDelegate {
    let slots: ConnectionSlots

    mutating func connectionOpened() { slots.opened() }
    mutating func connectionClosed() { slots.closed() }
    func isAcceptingNewConnections() -> Bool { slots.count < slots.limit }
}

/// On each connection, after the HTTP parsing: one that holds a reserved slot is let through only once its first
/// request carries the cookie of a signed-in session; otherwise it gets a 503 and is closed, and one that sends
/// nothing is closed after `grace`. The session is looked up off the event loop (the store may be across the
/// network); what the connection sends meanwhile waits here and goes on after the head.
final class ReservedSlotGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let slots: ConnectionSlots
    private let grace: TimeAmount
    private let isSignedIn: @Sendable (String) async -> Bool
    private var provisional = false
    /// Parts read while the session is looked up.
    private var waiting: [NIOAny]?
    private var refused = false
    private var timer: Scheduled<Void>?

    init(slots: ConnectionSlots, grace: TimeAmount, isSignedIn: @escaping @Sendable (String) async -> Bool) {
        self.slots = slots
        self.grace = grace
        self.isSignedIn = isSignedIn
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard slots.inReserve else { return }
        provisional = true
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if waiting != nil { return waiting!.append(data) }
        guard provisional, case .head(let head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        timer?.cancel()
        guard let token = Self.sessionToken(head) else { return refuse(context: context) }
        waiting = [data]
        let isSignedIn = self.isSignedIn
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask { await isSignedIn(token) }.whenSuccess { signedIn in
            let (gate, context) = bound.value
            let parts = gate.waiting ?? []
            gate.waiting = nil
            guard signedIn else { return gate.refuse(context: context) }
            gate.provisional = false
            for part in parts { context.fireChannelRead(part) }
            // The async channel after this handler hands on what it read at the end of a read.
            context.fireChannelReadComplete()
        }
    }

    private func refuse(context: ChannelHandlerContext) {
        refused = true
        let body = ByteBuffer(string: "The server is at its limit of connections; the last ones are kept for people who are signed in. Try again shortly.\n")
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        fields[.retryAfter] = "10"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .serviceUnavailable, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    /// The session cookie's value in the request's Cookie header(s), if any.
    static func sessionToken(_ head: HTTPRequest) -> String? {
        for header in head.headerFields[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == SessionMiddleware.cookieName {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
