/// doccano JSONL: `{"text": ..., "label": [[start, end, "TYPE"], ...]}` for entities (also the newer
/// `"entities": [{"start_offset", "end_offset", "label"}]`) or `"label": ["cat", ...]` for categories.
/// Offsets are code points, as doccano's Python back end counts them.
public struct DoccanoReader: ItemReader {
    public init() {}

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        try emit(ImportRecord(line: line, raw: text, result: Self.item(line: line, text: text)))
    }

    static func item(line: Int, text raw: String) -> Result<ImportedItem, ImportIssues> {
        func failure(_ field: String, _ message: String) -> Result<ImportedItem, ImportIssues> {
            .failure(ImportIssues([ImportIssue(line: line, field: field, message: message)]))
        }
        let value: JSONValue
        do { value = try JSONParser.parse(raw) } catch {
            return failure("json", "\(error) (each line must be one JSON object)")
        }
        guard case .object = value else { return failure("line", "expected a JSON object with \"text\", found \(value.typeName)") }
        guard let text = value["text"]?.stringValue else {
            return failure("text", value["text"] == nil ? "missing: each line needs a \"text\"" : "must be a string")
        }
        let externalID = value["id"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
        var item = ImportedItem(text: text, externalID: externalID)
        let codePoints = CodePointText(text)
        var issues: [ImportIssue] = []
        let labelKey = value["label"] != nil ? "label" : "labels"
        if let labels = value[labelKey] {
            guard let elements = labels.arrayValue else { return failure(labelKey, "must be an array") }
            for (i, element) in elements.enumerated() {
                let field = "\(labelKey)[\(i)]"
                if let name = element.stringValue {
                    item.suggestedLabels.append(name)
                } else if let triple = element.arrayValue, triple.count == 3,
                          let start = triple[0].intValue, let end = triple[1].intValue, let type = triple[2].stringValue {
                    switch SpanCheck.span(start: start, end: end, label: type, in: codePoints) {
                    case .success(let span): item.suggestedSpans.append(span)
                    case .failure(let failure): issues.append(ImportIssue(line: line, field: field, message: failure.message))
                    }
                } else {
                    issues.append(ImportIssue(line: line, field: field, message: "must be a category name or [start, end, \"TYPE\"]"))
                }
            }
        }
        if let entities = value["entities"]?.arrayValue {
            for (i, entity) in entities.enumerated() {
                let field = "entities[\(i)]"
                guard let start = (entity["start_offset"] ?? entity["start"])?.intValue,
                      let end = (entity["end_offset"] ?? entity["end"])?.intValue,
                      let type = entity["label"]?.stringValue else {
                    issues.append(ImportIssue(line: line, field: field, message: "needs start_offset, end_offset and label"))
                    continue
                }
                switch SpanCheck.span(start: start, end: end, label: type, in: codePoints) {
                case .success(let span): item.suggestedSpans.append(span)
                case .failure(let failure): issues.append(ImportIssue(line: line, field: field, message: failure.message))
                }
            }
        }
        if !issues.isEmpty { return .failure(ImportIssues(issues)) }
        item.suggestedSpans.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        return .success(item)
    }
}

enum SpanCheck {
    /// A span over code points, or why it cannot be one.
    static func span(start: Int, end: Int, label: String, in text: CodePointText, expectedText: String? = nil) -> Result<Span, SpanFailure> {
        covered(start: start, end: end, in: text, expectedText: expectedText).flatMap { covered in
            label.isEmpty ? .failure(SpanFailure("span [\(start), \(end)) has an empty type"))
                          : .success(Span(start: start, end: end, label: label, text: covered))
        }
    }

    /// The text `[start, end)` covers, checked against the text the span says it has.
    static func covered(start: Int, end: Int, in text: CodePointText, expectedText: String? = nil) -> Result<String, SpanFailure> {
        guard start >= 0, end <= text.count, start < end else {
            return .failure(SpanFailure("span [\(start), \(end)) is outside the text (0..\(text.count) code points) or empty"))
        }
        let covered = text.slice(start, end)!
        if let expectedText, expectedText != covered {
            return .failure(SpanFailure("span [\(start), \(end)) covers \"\(covered)\" but its text is \"\(expectedText)\" (offsets must be Unicode code points)"))
        }
        return .success(covered)
    }
}

struct SpanFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
