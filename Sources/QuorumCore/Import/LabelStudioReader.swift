/// A Label Studio JSON export: `[{"data": {"text": ...}, "annotations": [...], "predictions": [...]}]`.
/// Predictions become suggestions; each annotation becomes an annotation by its `completed_by` user,
/// so a team moving over keeps its agreement. Label Studio counts offsets in UTF-16 (JavaScript);
/// they are converted to code points, checked against each result's `text`.
public struct LabelStudioReader: ItemReader {
    private var buffer: [UInt8] = []
    private var lineStarts: [Int] = []

    public init() {}

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        while lineStarts.count < line - 1 { lineStarts.append(buffer.count); buffer.append(0x0A) }
        lineStarts.append(buffer.count)
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
    }

    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {
        let parsed: Result<(JSONValue, [Int]), JSONParseError> = buffer.withUnsafeBufferPointer { bytes in
            Result { () throws(JSONParseError) in try JSONParser.parseArrayWithOffsets(bytes: bytes) }
        }
        switch parsed {
        case .failure(let error):
            let line = lineNumber(at: error.offset)
            try emit(ImportRecord(line: line, raw: "", result: .failure(ImportIssues([
                ImportIssue(line: line, field: "json", message: "\(error.message) (a Label Studio export is one JSON array of tasks)")
            ]))))
        case .success(let (value, offsets)):
            // One task alone (a pretty-printed task file) is taken as a list of one.
            let tasks: [JSONValue]
            switch value {
            case .array(let list): tasks = list
            case .object: tasks = [value]
            default:
                try emit(ImportRecord(line: 1, raw: "", result: .failure(ImportIssues([
                    ImportIssue(line: 1, field: "json", message: "expected a JSON array of tasks (or one task), found \(value.typeName)")
                ]))))
                return
            }
            let starts = value.arrayValue == nil ? [0] : offsets
            for (i, task) in tasks.enumerated() {
                let line = lineNumber(at: starts[i])
                try emit(ImportRecord(line: line, raw: task.jsonText, result: Self.item(task, index: i, line: line)))
            }
        }
        buffer = []
    }

    private func lineNumber(at offset: Int) -> Int {
        var low = 0, high = lineStarts.count
        while low < high {
            let mid = (low + high) / 2
            if lineStarts[mid] <= offset { low = mid + 1 } else { high = mid }
        }
        return max(1, low)
    }

    static func item(_ task: JSONValue, index: Int, line: Int) -> Result<ImportedItem, ImportIssues> {
        let prefix = "[\(index)]"
        var issues: [ImportIssue] = []
        func issue(_ field: String, _ message: String) { issues.append(ImportIssue(line: line, field: prefix + field, message: message)) }
        guard case .object(let taskMembers) = task else {
            issue("", "each task must be a JSON object, found \(task.typeName)")
            return .failure(ImportIssues(issues))
        }
        // Label Studio also takes tasks whose fields are not wrapped in "data": everything but its own keys.
        let data: JSONValue
        if let wrapped = task["data"] {
            data = wrapped
        } else {
            data = .object(taskMembers.filter { !["id", "annotations", "predictions", "meta", "created_at", "updated_at"].contains($0.key) })
        }
        guard case .object(let dataMembers) = data else {
            issue(".data", "each task needs a \"data\" object with the text")
            return .failure(ImportIssues(issues))
        }
        let text = data["text"]?.stringValue
            ?? (dataMembers.compactMap { $0.value.stringValue }.count == 1 ? dataMembers.compactMap { $0.value.stringValue }[0] : nil)
        guard let text else {
            issue(".data.text", "missing: Quorum reads the task's text from data.text")
            return .failure(ImportIssues(issues))
        }
        let externalID = task["id"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
        var item = ImportedItem(text: text, externalID: externalID)
        let codePoints = CodePointText(text)

        for (p, prediction) in (task["predictions"]?.arrayValue ?? []).enumerated() {
            let (labels, spans) = results(prediction["result"], field: "\(prefix).predictions[\(p)].result", line: line, text: codePoints,
                                          issues: &issues, notCarried: &item.notCarried)
            for label in labels where !item.suggestedLabels.contains(label) { item.suggestedLabels.append(label) }
            for span in spans where !item.suggestedSpans.contains(span) { item.suggestedSpans.append(span) }
        }
        item.suggestedSpans.sort { ($0.start, $0.end) < ($1.start, $1.end) }

        for (a, annotation) in (task["annotations"]?.arrayValue ?? []).enumerated() {
            let field = "\(prefix).annotations[\(a)]"
            let (labels, spans) = results(annotation["result"], field: "\(field).result", line: line, text: codePoints,
                                          issues: &issues, notCarried: &item.notCarried)
            let annotationID = annotation["id"].flatMap { $0.intValue.map(String.init) ?? $0.stringValue } ?? "\(externalID ?? "task\(index + 1)")-\(a + 1)"
            let user = annotator(annotation["completed_by"], annotationID: annotationID)
            var seen = Set<Span>()
            item.annotations.append(ImportedAnnotation(
                username: user.username, displayName: user.displayName, sourceName: user.sourceName, labels: labels,
                spans: spans.filter { seen.insert($0).inserted }.sorted { ($0.start, $0.end) < ($1.start, $1.end) },
                skipped: annotation["was_cancelled"] == .bool(true),
                createdAt: annotation["created_at"]?.stringValue))
        }
        return issues.isEmpty ? .success(item) : .failure(ImportIssues(issues))
    }

    /// A Label Studio user: an id, or an object with an email, or a name. Accounts are named for the source
    /// (`label-studio-7`, `label-studio:alice@example.com`), so a file naming "admin" never answers as Quorum's
    /// admin; an annotation that names nobody gets a placeholder of its own (two anonymous annotations of one task
    /// stay two answers).
    static func annotator(_ value: JSONValue?, annotationID: String) -> (username: String, displayName: String, sourceName: String) {
        if let object = value, case .object = object {
            if let email = object["email"]?.stringValue, !email.isEmpty {
                let name = [object["first_name"]?.stringValue, object["last_name"]?.stringValue].compactMap { $0 }.joined(separator: " ")
                return ("label-studio:\(email)", name.trimmingWhitespace.isEmpty ? email : name.trimmingWhitespace, email)
            }
            if let id = object["id"]?.intValue { return ("label-studio-\(id)", "Label Studio user \(id)", String(id)) }
        }
        if let id = value?.intValue { return ("label-studio-\(id)", "Label Studio user \(id)", String(id)) }
        if let name = value?.stringValue, !name.isEmpty { return ("label-studio:\(name)", name, name) }
        return ("label-studio-annotation-\(annotationID)", "Label Studio annotation \(annotationID) (no annotator named)", "")
    }

    static func results(_ value: JSONValue?, field: String, line: Int, text: CodePointText, issues: inout [ImportIssue],
                        notCarried: inout [String]) -> ([String], [Span]) {
        var labels: [String] = []
        var spans: [Span] = []
        for (r, result) in (value?.arrayValue ?? []).enumerated() {
            let path = "\(field)[\(r)]"
            guard let v = result["value"], v["choices"] != nil || v["start"] != nil else {
                // Relations, ratings, text areas, …: Quorum keeps labels and spans only, and says what it did not keep.
                let kind = result["type"]?.stringValue ?? (result["value"]?.objectValue?.first?.key ?? "unknown")
                let name = "Label Studio \(kind) results"
                if !notCarried.contains(name) { notCarried.append(name) }
                continue
            }
            if let choices = v["choices"]?.arrayValue {
                labels.append(contentsOf: choices.compactMap(\.stringValue))
            } else if let start = v["start"]?.intValue, let end = v["end"]?.intValue {
                let types = (v["labels"] ?? v["hypertextlabels"])?.arrayValue?.compactMap(\.stringValue) ?? []
                guard !types.isEmpty else {
                    issues.append(ImportIssue(line: line, field: path + ".value.labels", message: "a span needs a label"))
                    continue
                }
                switch codePointRange(start: start, end: end, expected: v["text"]?.stringValue, in: text) {
                case .success(let range):
                    for type in types {
                        spans.append(Span(start: range.lowerBound, end: range.upperBound, label: type, text: text.slice(range.lowerBound, range.upperBound)!))
                    }
                case .failure(let failure):
                    issues.append(ImportIssue(line: line, field: path + ".value", message: failure.message))
                }
            }
        }
        return (labels, spans)
    }

    /// Label Studio's offsets are UTF-16; when a result carries its text, that decides which reading is right.
    static func codePointRange(start: Int, end: Int, expected: String?, in text: CodePointText) -> Result<Range<Int>, SpanFailure> {
        if let s = text.codePointOffset(utf16: start), let e = text.codePointOffset(utf16: end), s < e,
           expected == nil || text.slice(s, e) == expected {
            return .success(s..<e)
        }
        return SpanCheck.covered(start: start, end: end, in: text, expectedText: expected).map { _ in start..<end }
    }
}
