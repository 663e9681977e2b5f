/// The rules of OpenAI's supervised chat fine-tuning format (and of preference/DPO files), line by line.
public enum ChatFormatValidator {
    // Lists, not sets: a few names, looked through with `isKey`, cost less than hashing every key of every message.
    static let topLevelKeys = ["messages", "tools", "parallel_tool_calls", "functions"]
    static let messageKeys = ["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"]
    static let roles = ["system", "user", "assistant", "tool", "function"]
    /// Content part types per role (OpenAI's chat request schema, which the fine-tuning format's messages use).
    static let contentParts: [String: [String]] = ["system": ["text"], "user": ["text", "image_url"], "assistant": ["text", "refusal"], "tool": ["text"]]
    static func partShape(_ type: String) -> String {
        switch type {
        case "image_url": return "{\"type\": \"image_url\", \"image_url\": {\"url\": ...}}"
        case "refusal": return "{\"type\": \"refusal\", \"refusal\": ...}"
        default: return "{\"type\": \"text\", \"text\": ...}"
        }
    }

    /// Checks one line as a preference example or as a chat example. `stopAtForeignKeys`: return at once when the
    /// line has top-level members the format does not know (the export asks only whether a converted line, usually
    /// in another target's shape, passes).
    public static func check(_ example: JSONValue, preference: Bool, line: Int, stopAtForeignKeys: Bool = false) -> [ValidationIssue] {
        preference ? check(preference: example, line: line) : check(chat: example, line: line, stopAtForeignKeys: stopAtForeignKeys)
    }

    /// Checks one chat example.
    public static func check(chat example: JSONValue, line: Int, stopAtForeignKeys: Bool = false) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        guard let members = example.objectValue else {
            return [ValidationIssue(.error, line: line, code: "data_type", "each line must be a JSON object, found \(example.typeName)")]
        }
        for member in members where !topLevelKeys.contains(where: member.key.isKey) {
            issues.append(ValidationIssue(.error, line: line, field: member.key, code: "unrecognized_key",
                                          "\"\(member.key)\" is not part of the chat format (allowed: messages, tools, parallel_tool_calls)"))
        }
        if stopAtForeignKeys, !issues.isEmpty { return issues }
        if example["functions"] != nil {
            issues.append(ValidationIssue(.warning, line: line, field: "functions", code: "deprecated_functions",
                                          "\"functions\" is deprecated: use \"tools\""))
        }
        guard let messages = example["messages"]?.arrayValue else {
            issues.append(ValidationIssue(.error, line: line, field: "messages", code: "missing_messages_list",
                                          example["messages"] == nil ? "no \"messages\" array" : "\"messages\" must be an array"))
            return issues
        }
        if messages.isEmpty {
            issues.append(ValidationIssue(.error, line: line, field: "messages", code: "missing_messages_list", "\"messages\" is empty"))
            return issues
        }
        issues += check(messages: messages, line: line, path: "messages")
        let trained = messages.contains { $0["role"]?.stringValue == "assistant" && $0["weight"]?.doubleValue != 0 }
        if !trained {
            issues.append(ValidationIssue(.error, line: line, field: "messages", code: "example_missing_assistant_message",
                                          "no assistant message with weight 1: the example teaches nothing"))
        }
        return issues
    }

    /// Checks the messages of an example (`path` names the array in messages).
    static func check(messages: [JSONValue], line: Int, path: String) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for (i, message) in messages.enumerated() {
            func add(_ severity: ValidationIssue.Severity, _ field: String?, _ code: String, _ text: String) {
                // The path is made only for a finding: most messages have none, and formatting it was a tenth of the check.
                let at = "\(path)[\(i)]"
                issues.append(ValidationIssue(severity, line: line, messageIndex: i, field: field.map { "\(at).\($0)" } ?? at, code: code, text))
            }
            guard let members = message.objectValue else {
                add(.error, nil, "data_type", "a message must be an object, found \(message.typeName)")
                continue
            }
            for member in members where !messageKeys.contains(where: member.key.isKey) {
                add(.error, member.key, "message_unrecognized_key", "\"\(member.key)\" is not a message key (allowed: \(messageKeys.sorted().joined(separator: ", ")))")
            }
            guard let role = message["role"]?.stringValue else {
                add(.error, "role", "message_missing_key", message["role"] == nil ? "missing \"role\"" : "\"role\" must be a string")
                continue
            }
            if !roles.contains(where: role.isKey) {
                add(.error, "role", "unrecognized_role", "unknown role \"\(role)\" (system, user, assistant or tool)")
                continue
            }
            if role == "function" { add(.warning, "role", "deprecated_function_role", "the \"function\" role is deprecated: use \"tool\"") }
            let hasToolCalls = message["tool_calls"] != nil || message["function_call"] != nil
            switch message["content"] {
            case .string?: break
            case .array(let parts)? where role != "function":
                // The parts each role takes in the chat request schema the fine-tuning format builds on: text for
                // every role, images from the user, refusals from the assistant.
                let allowed = Self.contentParts[role] ?? ["text"]
                if parts.isEmpty { add(.error, "content", "missing_content", "content parts must not be empty") }
                for (p, part) in parts.enumerated() {
                    let type = part["type"]?.stringValue ?? ""
                    let complete = type == "text" ? part["text"]?.stringValue != nil
                        : type == "image_url" ? part["image_url"]?["url"]?.stringValue != nil
                        : type == "refusal" ? part["refusal"]?.stringValue != nil : false
                    if allowed.contains(type), complete { continue }
                    add(.error, "content[\(p)]", "invalid_content_part",
                        "a \(role) content part must be " + allowed.map(Self.partShape).joined(separator: " or "))
                }
            case .null?, nil:
                if role == "assistant" && hasToolCalls { break }
                add(.error, "content", "missing_content", role == "assistant"
                    ? "an assistant message needs content unless it has tool_calls" : "a \(role) message needs content")
            case let other?:
                add(.error, "content", "invalid_content", "content must be a string\(role == "function" ? "" : " or an array of content parts"), found \(other.typeName)")
            }
            if let name = message["name"], name.stringValue == nil { add(.error, "name", "invalid_name", "\"name\" must be a string") }
            if let weight = message["weight"] {
                if role != "assistant" {
                    add(.error, "weight", "invalid_weight", "\"weight\" is only allowed on assistant messages")
                } else if weight.doubleValue != 0 && weight.doubleValue != 1 {
                    add(.error, "weight", "invalid_weight", "\"weight\" must be 0 or 1, found \(weight.jsonText)")
                }
            }
            if role == "tool" {
                if message["tool_call_id"]?.stringValue == nil {
                    add(.error, "tool_call_id", "missing_tool_call_id", "a tool message needs the \"tool_call_id\" it answers")
                }
            }
            if let calls = message["tool_calls"] {
                if role != "assistant" { add(.error, "tool_calls", "invalid_tool_calls", "only assistant messages make tool calls") }
                guard let list = calls.arrayValue else {
                    add(.error, "tool_calls", "invalid_tool_calls", "\"tool_calls\" must be an array")
                    continue
                }
                for (c, call) in list.enumerated() {
                    let field = "tool_calls[\(c)]"
                    if call["id"]?.stringValue == nil { add(.error, "\(field).id", "invalid_tool_call", "a tool call needs a string \"id\"") }
                    if call["type"]?.stringValue != "function" { add(.error, "\(field).type", "invalid_tool_call", "\"type\" must be \"function\"") }
                    if call["function"]?["name"]?.stringValue == nil {
                        add(.error, "\(field).function.name", "invalid_tool_call", "a tool call needs \"function\": {\"name\": ...}")
                    }
                    if let arguments = call["function"]?["arguments"]?.stringValue {
                        if (try? JSONParser.parse(arguments)) == nil {
                            add(.error, "\(field).function.arguments", "invalid_tool_arguments", "\"arguments\" must be a string holding JSON")
                        }
                    } else {
                        add(.error, "\(field).function.arguments", "invalid_tool_call", "\"arguments\" must be a string holding JSON")
                    }
                }
            }
        }
        return issues
    }

    /// Checks one preference (DPO) example: `input.messages`, then one assistant message in each output.
    public static func check(preference example: JSONValue, line: Int) -> [ValidationIssue] {
        guard let members = example.objectValue else {
            return [ValidationIssue(.error, line: line, code: "data_type", "each line must be a JSON object, found \(example.typeName)")]
        }
        var issues: [ValidationIssue] = []
        for member in members where !["input", "preferred_output", "non_preferred_output"].contains(member.key) {
            issues.append(ValidationIssue(.error, line: line, field: member.key, code: "unrecognized_key",
                                          "\"\(member.key)\" is not part of the preference format (input, preferred_output, non_preferred_output)"))
        }
        if let messages = example["input"]?["messages"]?.arrayValue, !messages.isEmpty {
            issues += check(messages: messages, line: line, path: "input.messages")
        } else {
            issues.append(ValidationIssue(.error, line: line, field: "input.messages", code: "missing_messages_list", "\"input\" needs a non-empty \"messages\" array"))
        }
        for key in ["preferred_output", "non_preferred_output"] {
            guard let output = example[key]?.arrayValue, output.count == 1, output[0]["role"]?.stringValue == "assistant",
                  output[0]["content"]?.stringValue != nil else {
                issues.append(ValidationIssue(.error, line: line, field: key, code: "invalid_preference_output",
                                              "\"\(key)\" must hold exactly one assistant message with string content"))
                continue
            }
        }
        return issues
    }
}
