/// The structural rules a conversation must meet to be stored at all: an object with a non-empty
/// `messages` array of objects whose `role` is known and whose `content` has a usable type. The
/// fine-tuning rules on top of these (assistant turns, weights, tool calls) are `ChatFormatValidator`'s.
public enum ChatShape {
    public static let roles: Set<String> = ["system", "user", "assistant", "tool", "function", "developer"]

    /// Problems as (field path, message); empty when the shape is right.
    public static func problems(of example: JSONValue) -> [(field: String, message: String)] {
        guard case .object = example else {
            return [("line", "expected a JSON object like {\"messages\": [...]}, found \(example.typeName)")]
        }
        guard let messagesValue = example["messages"] else {
            return [("messages", "missing: each line needs a \"messages\" array")]
        }
        guard let messages = messagesValue.arrayValue else {
            return [("messages", "must be an array of messages, found \(messagesValue.typeName)")]
        }
        if messages.isEmpty { return [("messages", "is empty: add at least one message")] }
        var problems: [(field: String, message: String)] = []
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            guard case .object = message else {
                problems.append((path, "must be an object with \"role\" and \"content\", found \(message.typeName)"))
                continue
            }
            guard let role = message["role"]?.stringValue else {
                problems.append(("\(path).role", message["role"] == nil ? "missing" : "must be a string"))
                continue
            }
            if !roles.contains(role) {
                problems.append(("\(path).role", "unknown role \"\(role)\" (use system, user, assistant or tool)"))
            }
            switch message["content"] {
            case nil, .null?, .string?, .array?: break
            case let other?:
                problems.append(("\(path).content", "must be a string, found \(other.typeName)"))
            }
        }
        return problems
    }
}
