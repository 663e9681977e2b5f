/// What a chat message says, whatever shape its content takes.
extension JSONValue {
    /// The message's text: its `content` string, or the text of its content parts joined (text parts; a refusal
    /// part's refusal), or "" when it has none (an assistant turn that only calls tools).
    public var contentText: String {
        switch self["content"] {
        case .string(let text)?: return text
        case .array(let parts)?:
            return parts.compactMap { $0["text"]?.stringValue ?? $0["refusal"]?.stringValue }.joined(separator: "\n")
        default: return ""
        }
    }

    /// The message's tool calls as `name(arguments)`, one per call, in order (empty when it makes none).
    public var toolCallTexts: [String] {
        (self["tool_calls"]?.arrayValue ?? []).map { call in
            "\(call["function"]?["name"]?.stringValue ?? "")(\(call["function"]?["arguments"]?.stringValue ?? ""))"
        }
    }

    /// The names of the functions the message calls, in order.
    public var toolCallNames: [String] {
        (self["tool_calls"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }
    }
}
