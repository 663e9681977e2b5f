import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A small OpenAI-compatible `/chat/completions` server on an ephemeral loopback port, scripted per test: the one
/// stand-in the tests allow, for a paid outside service with no offline twin. Each request's JSON body goes to
/// `script`, which says what to answer; every request is recorded (with its Authorization header).
public final class StandInEndpoint: Sendable {
    public enum Reply: Sendable {
        /// A chat completion with this content.
        case answer(String, finishReason: String = "stop", promptTokens: Int = 10, completionTokens: Int = 2)
        /// Any status with a body and headers (429 with retry-after-ms, 500, insufficient_quota, …).
        case status(Int, body: String, headers: [(String, String)] = [])
        /// The answer after a wait.
        case slow(Double, String)
        /// A 200 whose body is not a chat completion.
        case malformed(String)
    }

    public struct Request: Sendable {
        public var body: String
        public var authorization: String?
        /// The last user message's text.
        public var userText: String {
            guard let data = body.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let messages = object["messages"] as? [[String: Any]] else { return "" }
            return messages.last(where: { $0["role"] as? String == "user" })?["content"] as? String ?? ""
        }
    }

    let script: @Sendable (Request, Int) -> Reply
    let recorded: NIOLockedValueBox<[Request]>
    private let group: ServiceGroup
    public let port: Int

    /// `script` gets the request and how many requests came before it.
    public init(script: @escaping @Sendable (Request, Int) -> Reply) async throws {
        let recorded = NIOLockedValueBox<[Request]>([])
        self.script = script
        self.recorded = recorded
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 24))
            let entry = Request(body: body, authorization: request.headers[.authorization])
            let count = recorded.withLockedValue { list -> Int in list.append(entry); return list.count - 1 }
            switch script(entry, count) {
            case .answer(let text, let finish, let prompt, let completion):
                return Self.completion(text, finish: finish, prompt: prompt, completion: completion)
            case .slow(let seconds, let text):
                try await Task.sleep(for: .seconds(seconds))
                return Self.completion(text, finish: "stop", prompt: 10, completion: 2)
            case .status(let status, let body, let headers):
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
            case .malformed(let text):
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        let started = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { started.continuation.yield($0.localAddress?.port ?? 0) })
        let group = ServiceGroup(services: [app], logger: app.logger)
        self.group = group
        Task { try await group.run() }
        var iterator = started.stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    static func completion(_ text: String, finish: String, prompt: Int, completion: Int) -> Response {
        let content = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])).flatMap { String(data: $0, encoding: .utf8) }
            .map { String($0.dropFirst().dropLast()) } ?? "\"\""
        let body = #"{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "stand-in", "choices": [{"index": 0, "message": {"role": "assistant", "content": \#(content)}, "finish_reason": "\#(finish)"}], "usage": {"prompt_tokens": \#(prompt), "completion_tokens": \#(completion), "total_tokens": \#(prompt + completion)}}"#
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    public var requests: [Request] { recorded.withLockedValue { $0 } }

    /// Shuts the server down gracefully. Cancelling its task instead would drop connections accepted but not yet
    /// served, and NIO traps on those (apple/swift-nio#2813): the whole test process died of it under load.
    public func stop() { Task { await group.triggerGracefulShutdown() } }
}
