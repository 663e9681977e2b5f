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
    /// Unicode composition give the same key. Strings and keys are length-prefixed, so no two different
    /// conversations share a key.
    static func dedupKey(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .string(let s): writeString(s, normalize: true, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for e in elements { write(e, to: &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for m in members {
                writeString(m.key, normalize: false, to: &out)
                write(m.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .number(let n): out.append(UInt8(ascii: "#")); writeString(n, normalize: false, to: &out)
        case .bool(let b): out.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .null: out.append(UInt8(ascii: "n"))
        }
    }

    private static func writeString(_ s: String, normalize: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let lengthAt = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        if normalize { TextNormalization.appendNormalized(s, to: &out) } else { out.append(contentsOf: s.utf8) }
        let length = UInt32(truncatingIfNeeded: out.count - lengthAt - 4)
        withUnsafeBytes(of: length.littleEndian) { for (i, b) in $0.enumerated() { out[lengthAt + i] = b } }
    }
}
