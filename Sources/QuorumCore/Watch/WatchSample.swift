import Foundation

/// One production sample a service sends to a watch project: the conversation as it was served (its last turn the
/// model's answer), the model version that answered, when, and anything else worth grouping by (`meta`).
public struct WatchSample: Sendable {
    public var messages: [JSONValue]
    public var model: String
    /// When it was served, as stored: ISO 8601 in UTC with milliseconds.
    public var servedAt: String
    public var meta: [(key: String, value: JSONValue)]

    public static let limit = 1_000

    public init(messages: [JSONValue], model: String, servedAt: String, meta: [(key: String, value: JSONValue)] = []) {
        self.messages = messages
        self.model = model
        self.servedAt = servedAt
        self.meta = meta
    }

    /// The samples of `POST /api/projects/{id}/samples` (`{"samples": [...]}`), each good one with its index, each bad
    /// one with its index and the field at fault; the good are kept whatever the bad.
    public static func decode(_ body: JSONValue) -> Result<(good: [(Int, WatchSample)], bad: [(Int, FieldError)]), FieldError> {
        guard let list = body["samples"]?.arrayValue else { return .failure(FieldError("samples", "send {\"samples\": [...]}, a list of samples")) }
        guard list.count <= limit else { return .failure(FieldError("samples", "at most \(limit) samples per call (\(list.count) sent): split them")) }
        var good: [(Int, WatchSample)] = [], bad: [(Int, FieldError)] = []
        for (i, value) in list.enumerated() {
            switch sample(value) {
            case .success(let sample): good.append((i, sample))
            case .failure(let error): bad.append((i, FieldError("samples[\(i)].\(error.field)", error.message)))
            }
        }
        return .success((good, bad))
    }

    static func sample(_ value: JSONValue) -> Result<WatchSample, FieldError> {
        guard case .object = value else { return .failure(FieldError("", "a sample is an object: {\"messages\", \"model\", \"at\", \"meta\"}")) }
        guard let messages = value["messages"]?.arrayValue, !messages.isEmpty else {
            return .failure(FieldError("messages", "the conversation as served, its last turn the model's answer"))
        }
        if let problem = ChatShape.problems(of: ["messages": .array(messages)]).first { return .failure(FieldError(problem.field, problem.message)) }
        guard messages.last?["role"]?.stringValue == "assistant", !(messages.last?.contentText.isEmpty ?? true) else {
            return .failure(FieldError("messages", "the last turn must be the model's answer (an assistant message with text)"))
        }
        guard let model = value["model"]?.stringValue?.trimmingCharacters(in: .whitespaces), !model.isEmpty, model.count <= 200 else {
            return .failure(FieldError("model", "name the model version that answered (\"ft:…:v3\"), at most 200 characters"))
        }
        guard let text = value["at"]?.stringValue, let at = Self.instant(text) else {
            return .failure(FieldError("at", "when it was served, in ISO 8601 with a time zone (\"2026-11-30T10:00:00Z\")"))
        }
        var meta: [(key: String, value: JSONValue)] = []
        if let given = value["meta"], !given.isNull {
            guard let members = given.objectValue else { return .failure(FieldError("meta", "must be an object of fields")) }
            meta = members
        }
        return .success(WatchSample(messages: messages, model: model, servedAt: at, meta: meta))
    }

    /// An ISO 8601 instant (with or without fractional seconds) as stored: UTC, milliseconds.
    static func instant(_ text: String) -> String? {
        let plain = ISO8601DateFormatter(), fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = fractional.date(from: text) ?? plain.date(from: text) else { return nil }
        fractional.timeZone = TimeZone(identifier: "UTC")
        return fractional.string(from: date)
    }

    /// The item a judge sees: the conversation before the answer, the answer, and the meta fields — not the model
    /// version or the time, which are kept apart.
    public var input: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("messages", .array(Array(messages.dropLast()))),
                                                          ("response", .string(messages.last?.contentText ?? ""))]
        if !meta.isEmpty { members.append(("meta", .object(meta))) }
        return .object(members)
    }

    /// Duplicates are folded on the conversation's folded text (as an import folds them), whatever the version.
    public var dedupHash: DedupHash {
        var key: [UInt8] = []
        for message in messages {
            key += (message["role"]?.stringValue ?? "").utf8
            key.append(0x1F)
            TextNormalization.appendFolded(message.contentText, to: &key)
            key.append(0x1E)
        }
        return ContentHash.dedupHash(key)
    }

    /// Whether the sample is among the share kept: decided by its own content, so the same sample sent twice gets
    /// the same answer and the kept share is steady over time.
    public func kept(rate: Double) -> Bool {
        rate >= 1 || Double(dedupHash.high >> 11) / Double(1 << 53) < rate
    }
}
