/// One finding of `quorum validate`: where (line, message, field), what (a stable code) and why.
public struct ValidationIssue: Equatable, Sendable {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var line: Int?
    public var messageIndex: Int?
    public var field: String?
    public var code: String
    public var message: String

    public init(_ severity: Severity, line: Int?, messageIndex: Int? = nil, field: String? = nil, code: String, _ message: String) {
        self.severity = severity
        self.line = line
        self.messageIndex = messageIndex
        self.field = field
        self.code = code
        self.message = message
    }

    public var json: JSONValue {
        ["line": line.map { .int($0) } ?? .null, "message_index": messageIndex.map { .int($0) } ?? .null,
         "field": field.map { .string($0) } ?? .null, "code": .string(code), "message": .string(message)]
    }

    /// `line 12, messages[2].content: must be a string`
    public var text: String {
        var place: [String] = []
        if let line { place.append("line \(line)") }
        if let field { place.append(field) } else if let messageIndex { place.append("messages[\(messageIndex)]") }
        return place.isEmpty ? message : place.joined(separator: ", ") + ": " + message
    }
}
