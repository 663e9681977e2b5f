/// OpenAI chat JSONL: one `{"messages": [...]}` per line, stored exactly as written.
public struct ChatReader: ItemReader {
    public init() {}

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        try emit(ImportRecord(line: line, raw: text, result: Self.item(line: line, text: text)))
    }

    static func item(line: Int, text: String) -> Result<ImportedItem, ImportIssues> {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch {
            return .failure(ImportIssues([ImportIssue(line: line, field: "json", message: "\(error) (each line must be one JSON object)")]))
        }
        let problems = ChatShape.problems(of: value)
        if !problems.isEmpty {
            return .failure(ImportIssues(problems.map { ImportIssue(line: line, field: $0.field, message: $0.message) }))
        }
        let externalID = value["id"].flatMap { $0.stringValue ?? ($0.intValue.map(String.init)) }
        return .success(ImportedItem(kind: .chat, externalID: externalID, input: text.trimmingWhitespace,
                                     dedupKey: ChatKey.dedupKey(value)))
    }
}

/// Legacy `{"prompt": ..., "completion": ...}` JSONL, turned into a user and an assistant message.
public struct PromptCompletionReader: ItemReader {
    public init() {}

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        try emit(ImportRecord(line: line, raw: text, result: Self.item(line: line, text: text)))
    }

    static func item(line: Int, text: String) -> Result<ImportedItem, ImportIssues> {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch {
            return .failure(ImportIssues([ImportIssue(line: line, field: "json", message: "\(error) (each line must be one JSON object)")]))
        }
        var issues: [ImportIssue] = []
        for key in ["prompt", "completion"] where value[key]?.stringValue == nil {
            issues.append(ImportIssue(line: line, field: key, message: value[key] == nil ? "missing" : "must be a string"))
        }
        guard issues.isEmpty, let prompt = value["prompt"]?.stringValue, let completion = value["completion"]?.stringValue else {
            return .failure(ImportIssues(issues))
        }
        let chat: JSONValue = ["messages": [["role": "user", "content": .string(prompt)],
                                            ["role": "assistant", "content": .string(completion)]]]
        return .success(ImportedItem(kind: .chat, externalID: nil, input: chat.jsonText, dedupKey: ChatKey.dedupKey(chat)))
    }
}

enum ChatKey {
    /// The whole conversation with every string normalized: two files that differ only in spacing or
    /// Unicode composition give the same key.
    static func dedupKey(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .string(let s): JSONValue.writeString(TextNormalization.normalized(s), to: &out)
        case .array(let elements):
            out += "["
            for e in elements { write(e, to: &out); out += "," }
            out += "]"
        case .object(let members):
            out += "{"
            for m in members { out += m.key; out += ":"; write(m.value, to: &out); out += "," }
            out += "}"
        default: value.write(to: &out)
        }
    }
}
