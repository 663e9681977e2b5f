/// CoNLL BIO: `token<TAB>tag` per line, a blank line between sentences. A sentence becomes its tokens
/// joined by single spaces, and each entity a span over the code points of its tokens.
public struct CoNLLReader: ItemReader {
    private var tokens: [(token: String, tag: String)] = []
    private var rawLines: [String] = []
    private var firstLine = 0
    private var issues: [ImportIssue] = []

    public init() {}

    static func isTag(_ tag: String) -> Bool {
        tag == "O" || ((tag.hasPrefix("B-") || tag.hasPrefix("I-")) && tag.count > 2)
    }

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        let trimmed = text.trimmingWhitespace
        if trimmed.isEmpty {
            try flush(emit: emit)
            return
        }
        if trimmed.hasPrefix("-DOCSTART-") { return }
        if rawLines.isEmpty { firstLine = line }
        rawLines.append(text)
        var fields = text.split(separator: "\t", omittingEmptySubsequences: true).map(String.init)
        if fields.count < 2 { fields = text.split(whereSeparator: { $0 == " " }).map(String.init) }
        guard fields.count >= 2, let tag = fields.last?.trimmingWhitespace, let token = fields.first, !token.isEmpty else {
            issues.append(ImportIssue(line: line, field: "tag", message: "expected \"token<TAB>tag\""))
            return
        }
        guard Self.isTag(tag) else {
            issues.append(ImportIssue(line: line, field: "tag", message: "\"\(tag)\" is not a BIO tag (O, B-TYPE or I-TYPE)"))
            return
        }
        tokens.append((token, tag))
    }

    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {
        try flush(emit: emit)
    }

    private mutating func flush(emit: (ImportRecord) throws -> Void) rethrows {
        defer { tokens = []; rawLines = []; issues = [] }
        guard !rawLines.isEmpty else { return }
        let raw = rawLines.joined(separator: "\n")
        if !issues.isEmpty {
            try emit(ImportRecord(line: firstLine, raw: raw, result: .failure(ImportIssues(issues))))
            return
        }
        var text = ""
        var offset = 0
        var spans: [Span] = []
        var open: (start: Int, end: Int, label: String)? = nil
        func close() {
            if let o = open { spans.append(Span(start: o.start, end: o.end, label: o.label, text: "")) }
            open = nil
        }
        for (i, (token, tag)) in tokens.enumerated() {
            if i > 0 { text += " "; offset += 1 }
            let start = offset
            text += token
            offset += token.unicodeScalars.count
            if tag == "O" { close(); continue }
            let type = String(tag.dropFirst(2))
            // An I- tag that does not continue a span of its type starts one (IOB1 files do this).
            if tag.hasPrefix("I-"), let o = open, o.label == type {
                open = (o.start, offset, type)
            } else {
                close()
                open = (start, offset, type)
            }
        }
        close()
        var item = ImportedItem(text: text, externalID: nil)
        let codePoints = CodePointText(text)
        item.suggestedSpans = spans.map { Span(start: $0.start, end: $0.end, label: $0.label, text: codePoints.slice($0.start, $0.end)!) }
        try emit(ImportRecord(line: firstLine, raw: raw, result: .success(item)))
    }
}
