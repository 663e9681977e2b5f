/// RFC 4180 CSV with a header row: quoted fields may hold commas, doubled quotes and line breaks.
/// The text column becomes the item, the label column its suggestion, other columns its `meta`.
public struct CSVReader: ItemReader {
    /// Names tried, in order, when no label column is given and there is no `label` column.
    static let labelColumnFallbacks = ["label", "category", "class", "intent", "labels"]

    public let textColumn: String
    public let labelColumn: String?
    public let separator: Unicode.Scalar
    private var header: [String]? = nil
    private var textIndex = 0
    private var labelIndex: Int? = nil
    private var idIndex: Int? = nil
    private var pending: (line: Int, text: String)? = nil
    private var headerIssue: ImportIssue? = nil
    /// The label column actually used, to tell the user.
    public private(set) var labelColumnUsed: String? = nil

    public init(textColumn: String? = nil, labelColumn: String? = nil, separator: Unicode.Scalar = ",") {
        self.textColumn = textColumn ?? "text"
        self.labelColumn = labelColumn
        self.separator = separator
    }

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        // A record continues on the next line while a quoted field is open.
        let record: (line: Int, text: String)
        if let open = pending { record = (open.line, open.text + "\n" + text) } else { record = (line, text) }
        guard let fields = Self.fields(of: record.text, separator: separator) else {
            pending = record
            return
        }
        pending = nil
        try handle(line: record.line, raw: record.text, fields: fields, emit: emit)
    }

    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {
        if let open = pending {
            pending = nil
            try emit(ImportRecord(line: open.line, raw: open.text, result: .failure(ImportIssues([
                ImportIssue(line: open.line, field: "record", message: "a quoted field is never closed (a \" is missing before the end of the file)")
            ]))))
        }
        if header == nil {
            try emit(ImportRecord(line: 1, raw: "", result: .failure(ImportIssues([
                ImportIssue(line: 1, field: "header", message: "the file is empty: a CSV needs a header row naming a \"\(textColumn)\" column")
            ]))))
        }
    }

    private mutating func handle(line: Int, raw: String, fields: [String], emit: (ImportRecord) throws -> Void) rethrows {
        if header == nil {
            setHeader(fields.map { $0.trimmingWhitespace }, line: line)
            return
        }
        if fields.count == 1, fields[0].trimmingWhitespace.isEmpty { return }  // a blank line
        if let issue = headerIssue {
            try emit(ImportRecord(line: line, raw: raw, result: .failure(ImportIssues([
                ImportIssue(line: line, field: issue.field, message: issue.message)
            ]))))
            return
        }
        let names = header!
        guard fields.count == names.count else {
            try emit(ImportRecord(line: line, raw: raw, result: .failure(ImportIssues([
                ImportIssue(line: line, field: "record", message: "has \(fields.count) fields but the header has \(names.count) (quote fields that contain '\(Character(separator))')")
            ]))))
            return
        }
        let text = fields[textIndex]
        if text.trimmingWhitespace.isEmpty {
            try emit(ImportRecord(line: line, raw: raw, result: .failure(ImportIssues([
                ImportIssue(line: line, field: textColumn, message: "is empty")
            ]))))
            return
        }
        var meta: [(key: String, value: JSONValue)] = []
        for (i, name) in names.enumerated() where i != textIndex && i != labelIndex && i != idIndex {
            meta.append((key: name, value: .string(fields[i])))
        }
        var item = ImportedItem(text: text, externalID: idIndex.map { fields[$0] }, meta: meta)
        if let labelIndex {
            let label = fields[labelIndex].trimmingWhitespace
            if !label.isEmpty { item.suggestedLabels = [label] }
        }
        try emit(ImportRecord(line: line, raw: raw, result: .success(item)))
    }

    private mutating func setHeader(_ names: [String], line: Int) {
        header = names
        let available = names.map { "\"\($0)\"" }.joined(separator: ", ")
        guard let t = names.firstIndex(of: textColumn) else {
            headerIssue = ImportIssue(line: line, field: "header", message: "no \"\(textColumn)\" column (columns: \(available); choose one with --text-column)")
            return
        }
        textIndex = t
        if let labelColumn {
            guard let l = names.firstIndex(of: labelColumn) else {
                headerIssue = ImportIssue(line: line, field: "header", message: "no \"\(labelColumn)\" column (columns: \(available); choose one with --label-column)")
                return
            }
            labelIndex = l
        } else {
            labelIndex = Self.labelColumnFallbacks.lazy.compactMap { names.firstIndex(of: $0) }.first { $0 != t }
        }
        labelColumnUsed = labelIndex.map { names[$0] }
        idIndex = names.firstIndex(of: "id").flatMap { $0 == t || $0 == labelIndex ? nil : $0 }
    }

    /// Splits one record into fields; nil while a quoted field is still open (the record goes on).
    static func fields(of record: String, separator: Unicode.Scalar) -> [String]? {
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var inQuotes = false
        var atFieldStart = true
        var iterator = record.unicodeScalars.makeIterator()
        var lookahead: Unicode.Scalar? = iterator.next()
        while let c = lookahead {
            lookahead = iterator.next()
            if inQuotes {
                if c == "\"" {
                    if lookahead == "\"" { field.append("\""); lookahead = iterator.next() } else { inQuotes = false }
                } else {
                    field.append(c)
                }
            } else if c == separator {
                fields.append(String(field))
                field = String.UnicodeScalarView()
                atFieldStart = true
                continue
            } else if c == "\"" && atFieldStart {
                inQuotes = true
            } else {
                field.append(c)
            }
            atFieldStart = false
        }
        if inQuotes { return nil }
        fields.append(String(field))
        return fields
    }
}
