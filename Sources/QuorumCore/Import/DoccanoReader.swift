/// JSONL of texts with their labels, in the shapes doccano, spaCy and Prodigy write and read. Offsets are code points
/// (Python `str` indices), as all three count them.
/// - doccano: `"label": ["cat", ...]` (categories) or `"label": [[start, end, "TYPE"], ...]` (entities); `"entities"`
///   as triples or as `{"start_offset", "end_offset", "label"}` objects; `"cats"` (intent detection); the relation
///   extraction shape (`"entities"` and `"relations"`: the relations are reported as not carried).
/// - spaCy / Prodigy: `"spans": [{"start", "end", "label", "text"?, ...}]` (`ner_manual`, and Quorum's own `spacy`
///   export), `"cats"` as `{"LABEL": score}` (above 0.5 is a label) or a list, and `"answer"`: a record answered
///   "reject" or "ignore" is left out and counted.
/// Labels and spans become suggestions; a span or label repeated identically is kept once.
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
        func addSpan(start: Int, end: Int, type: String, expected: String? = nil, field: String) {
            switch SpanCheck.span(start: start, end: end, label: type, in: codePoints, expectedText: expected) {
            case .success(let span): item.suggestedSpans.append(span)
            case .failure(let failure): issues.append(ImportIssue(line: line, field: field, message: failure.message))
            }
        }
        /// A span as a `[start, end, "TYPE"]` triple or an object with start/end (or doccano's *_offset) and label.
        func readSpan(_ element: JSONValue, field: String) -> Bool {
            if let triple = element.arrayValue, triple.count == 3,
               let start = triple[0].intValue, let end = triple[1].intValue, let type = triple[2].stringValue {
                addSpan(start: start, end: end, type: type, field: field)
                return true
            }
            if case .object = element, let start = (element["start_offset"] ?? element["start"])?.intValue,
               let end = (element["end_offset"] ?? element["end"])?.intValue, let type = element["label"]?.stringValue {
                addSpan(start: start, end: end, type: type, expected: element["text"]?.stringValue, field: field)
                return true
            }
            return false
        }
        let labelKey = value["label"] != nil ? "label" : "labels"
        if let labels = value[labelKey], !labels.isNull {
            guard let elements = labels.arrayValue else { return failure(labelKey, "must be an array") }
            for (i, element) in elements.enumerated() {
                if let name = element.stringValue {
                    item.suggestedLabels.append(name)
                } else if !readSpan(element, field: "\(labelKey)[\(i)]") {
                    issues.append(ImportIssue(line: line, field: "\(labelKey)[\(i)]", message: "must be a category name or [start, end, \"TYPE\"]"))
                }
            }
        }
        for key in ["entities", "spans"] {
            guard let list = value[key], !list.isNull else { continue }
            guard let elements = list.arrayValue else { return failure(key, "must be an array of spans") }
            for (i, element) in elements.enumerated() where !readSpan(element, field: "\(key)[\(i)]") {
                issues.append(ImportIssue(line: line, field: "\(key)[\(i)]",
                                          message: "must be [start, end, \"TYPE\"] or {\"start\", \"end\", \"label\"} (doccano: start_offset, end_offset)"))
            }
        }
        switch value["cats"] {
        case nil, .null?: break
        case .array(let names)?: item.suggestedLabels += names.compactMap(\.stringValue)
        case .object(let scores)?:
            for (name, score) in scores where score == .bool(true) || (score.doubleValue ?? 0) > 0.5 { item.suggestedLabels.append(name) }
        default: issues.append(ImportIssue(line: line, field: "cats", message: "must be a list of labels or an object of label scores"))
        }
        // Prodigy's choice interface: the options chosen, by id.
        if value["options"] != nil, let chosen = value["accept"]?.arrayValue {
            item.suggestedLabels += chosen.compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
        }
        if let relations = value["relations"]?.arrayValue, !relations.isEmpty { item.notCarried.append("relations") }
        if let answer = value["answer"]?.stringValue, answer != "accept" {
            item.leftOut = "answer \"\(answer)\" (Prodigy)"
        }
        if !issues.isEmpty { return .failure(ImportIssues(issues)) }
        item.foldRepeats()
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
