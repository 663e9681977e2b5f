import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import QuorumCore

/// What a model answered for one request.
public struct ChatReply: Sendable {
    public var text: String?
    public var finishReason: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
}

/// Why a request got no answer. `quota` stops a whole run: the account cannot pay, and asking again will not help.
public enum ChatFailure: Error, Sendable, CustomStringConvertible {
    case quota(String)
    case failed(String)

    public var description: String {
        switch self {
        case .quota(let message): return "the endpoint says the quota is used up (insufficient_quota): \(message)"
        case .failed(let message): return message
        }
    }
}

/// Asks an OpenAI-compatible `/chat/completions` endpoint, retrying as OpenAI's own SDKs do: 408, 409, 429 and 5xx
/// answers and timeouts are tried again, after `retry-after-ms`, else `retry-after` (seconds or a date; honoured up
/// to two minutes), else an exponential backoff with jitter; `x-should-retry` overrides. A 429 whose code is
/// `insufficient_quota` is never retried.
public struct ChatClient: Sendable {
    public let model: Model
    let key: String?
    let http: HTTPClient
    public var maxRetries = 5
    public var timeout: TimeAmount = .seconds(120)
    /// The first wait of the backoff (doubled each time, up to 8 s, with jitter).
    public var backoff: Double = 0.5

    public init(model: Model, key: String?, http: HTTPClient) {
        self.model = model
        self.key = key
        self.http = http
    }

    var endpoint: String {
        (model.baseURL.hasSuffix("/") ? String(model.baseURL.dropLast()) : model.baseURL) + "/chat/completions"
    }

    func body(messages: [JSONValue], tools: [JSONValue]?) -> String {
        var members: [(key: String, value: JSONValue)] = [(key: "model", value: .string(model.model)), (key: "messages", value: .array(messages))]
        if let tools, !tools.isEmpty { members.append((key: "tools", value: .array(tools))) }
        if let temperature = model.temperature { members.append((key: "temperature", value: .double(temperature))) }
        if let max = model.maxCompletionTokens { members.append((key: "max_completion_tokens", value: .int(max))) }
        return JSONValue.object(members).jsonText
    }

    /// The reply, with how many attempts it took; `ChatFailure` when there is none.
    public func complete(messages: [JSONValue], tools: [JSONValue]? = nil) async throws -> (ChatReply, attempts: Int) {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            // Azure OpenAI takes its key in a header of its own.
            if URL(string: model.baseURL)?.host?.hasSuffix(".azure.com") == true { request.headers.add(name: "api-key", value: key) }
        }
        let payload = ByteBuffer(string: body(messages: messages, tools: tools))
        var attempt = 0
        while true {
            attempt += 1
            request.body = .bytes(payload)
            var wait: Double? = nil
            var problem: String
            do {
                let response = try await http.execute(request, timeout: timeout)
                let bytes = try await response.body.collect(upTo: 16 << 20)
                let text = String(buffer: bytes)
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    guard let reply = Self.reply(text) else { throw ChatFailure.failed("the endpoint's answer is not a chat completion: \(text.prefix(200))") }
                    return (reply, attempt)
                }
                let error = (try? JSONParser.parse(text))?["error"]
                let code = error?["code"]?.stringValue ?? error?["type"]?.stringValue
                let message = error?["message"]?.stringValue ?? String(text.prefix(200))
                if status == 429, code == "insufficient_quota" { throw ChatFailure.quota(message) }
                problem = "HTTP \(status)\(code.map { " (\($0))" } ?? ""): \(message)"
                let should = response.headers.first(name: "x-should-retry")
                let retryable = should.map { $0 == "true" } ?? [408, 409, 429].contains(status) || status >= 500
                guard retryable else { throw ChatFailure.failed(problem) }
                if let waitMs = response.headers.first(name: "retry-after-ms").flatMap(Double.init) {
                    wait = waitMs / 1000
                } else if let after = response.headers.first(name: "retry-after") {
                    wait = Double(after) ?? Self.httpDate(after).map { $0.timeIntervalSinceNow }
                }
            } catch let failure as ChatFailure {
                throw failure
            } catch {
                problem = "no answer: \(error)"  // a timeout or a connection that failed: tried again
            }
            guard attempt <= maxRetries else { throw ChatFailure.failed("\(problem) (after \(attempt) attempts)") }
            if let given = wait, given > 120 { throw ChatFailure.failed("\(problem); the endpoint asks to wait \(Int(given)) s, longer than 2 minutes") }
            let delay = max(0, wait ?? min(8, backoff * pow(2, Double(attempt - 1))) * Double.random(in: 0.75...1.25))
            try await Task.sleep(for: .seconds(delay))
        }
    }

    /// The first choice's text, finish reason and usage; nil when the answer is not a chat completion.
    static func reply(_ text: String) -> ChatReply? {
        guard let value = try? JSONParser.parse(text), let choice = value["choices"]?.arrayValue?.first, let message = choice["message"] else {
            return nil
        }
        var content = message.contentText
        if content.isEmpty, let calls = message["tool_calls"], !calls.isNull { content = (["tool_calls": calls] as JSONValue).jsonText }
        return ChatReply(text: content, finishReason: choice["finish_reason"]?.stringValue,
                         inputTokens: value["usage"]?["prompt_tokens"]?.intValue, outputTokens: value["usage"]?["completion_tokens"]?.intValue)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
