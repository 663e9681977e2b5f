/// One problem with one input line, said as `LINE:FIELD: reason`.
public struct ImportIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String

    public init(line: Int, field: String, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { "\(line):\(field): \(message)" }

    public var json: JSONValue { ["line": .int(line), "field": .string(field), "message": .string(message)] }
}

/// An annotation that arrives with the data (a Label Studio export), by the user who made it.
public struct ImportedAnnotation: Equatable, Sendable {
    /// The account the answer is stored under: always one named for the source (never an existing Quorum
    /// account by coincidence of names), unless the import maps `sourceName` to a user explicitly.
    public var username: String
    public var displayName: String
    /// What the file calls the annotator (an email, a name, an id; empty when it does not say).
    public var sourceName: String
    public var labels: [String]
    public var spans: [Span]
    public var skipped: Bool
    public var createdAt: String?

    public init(username: String, displayName: String, sourceName: String, labels: [String], spans: [Span], skipped: Bool, createdAt: String?) {
        self.username = username
        self.displayName = displayName
        self.sourceName = sourceName
        self.labels = labels
        self.spans = spans
        self.skipped = skipped
        self.createdAt = createdAt
    }
}

/// An item read from a file, ready to be stored.
public struct ImportedItem: Sendable {
    /// `chat` for conversations; nil for plain texts, which classify and spans projects take.
    public var kind: ProjectKind?
    public var externalID: String?
    /// The item's input as JSON text: the line itself for chat files (kept byte for byte), else `{"text": ...}`.
    public var input: String
    /// The duplicate hash (`ContentHash.dedupHash`) of the normalized input, made where the item is read.
    public var dedupHash: DedupHash
    public var suggestedLabels: [String] = []
    public var suggestedSpans: [Span] = []
    public var annotations: [ImportedAnnotation] = []
    /// What the record carried that Quorum does not keep (relations, say), named for the summary.
    public var notCarried: [String] = []
    /// Why the record is left out on purpose (a Prodigy answer of "reject"), if it is.
    public var leftOut: String?

    /// `dedupKey` is what the duplicate hash is computed from (already normalized).
    public init(kind: ProjectKind?, externalID: String?, input: String, dedupKey: [UInt8]) {
        self.kind = kind
        self.externalID = externalID
        self.input = input
        self.dedupHash = ContentHash.dedupHash(dedupKey)
    }

    /// A text item (classify or spans).
    public init(text: String, externalID: String?, meta: [(key: String, value: JSONValue)] = []) {
        var members: [(key: String, value: JSONValue)] = [(key: "text", value: .string(text))]
        if !meta.isEmpty { members.append((key: "meta", value: .object(meta))) }
        var key: [UInt8] = []
        TextNormalization.appendNormalized(text, to: &key)
        self.init(kind: nil, externalID: externalID, input: JSONValue.object(members).jsonText, dedupKey: key)
    }

    /// Keeps each suggested span and label once, spans in text order: files that repeat an identical span (or a
    /// label) mean it once.
    public mutating func foldRepeats() {
        var seenSpans = Set<Span>()
        suggestedSpans = suggestedSpans.filter { seenSpans.insert($0).inserted }.sorted { ($0.start, $0.end, $0.label) < ($1.start, $1.end, $1.label) }
        var seenLabels = Set<String>()
        suggestedLabels = suggestedLabels.filter { seenLabels.insert($0).inserted }
    }

    /// The `suggestions` column: `{"labels": [...]}`, `{"spans": [...]}`, or nil when there are none.
    public var suggestions: String? {
        var members: [(key: String, value: JSONValue)] = []
        if !suggestedLabels.isEmpty { members.append((key: "labels", value: .array(suggestedLabels.map { .string($0) }))) }
        if !suggestedSpans.isEmpty { members.append((key: "spans", value: .array(suggestedSpans.map(\.json)))) }
        return members.isEmpty ? nil : JSONValue.object(members).jsonText
    }

    /// Every label or entity type this item names, in order of appearance.
    public var labelsUsed: [String] {
        var seen: [String] = []
        func add(_ label: String) { if !seen.contains(label) { seen.append(label) } }
        suggestedLabels.forEach(add)
        suggestedSpans.forEach { add($0.label) }
        for annotation in annotations {
            annotation.labels.forEach(add)
            annotation.spans.forEach { add($0.label) }
        }
        return seen
    }
}

/// What a reader makes of one record (a line, a CSV record, a CoNLL sentence, a Label Studio task).
public struct ImportRecord: Sendable {
    public var line: Int
    /// The record as it was in the file, for the rejects file.
    public var raw: String
    public var result: Result<ImportedItem, ImportIssues>

    public init(line: Int, raw: String, result: Result<ImportedItem, ImportIssues>) {
        self.line = line
        self.raw = raw
        self.result = result
    }
}

public struct ImportIssues: Error, Sendable {
    public var issues: [ImportIssue]
    public init(_ issues: [ImportIssue]) { self.issues = issues }
}

/// Reads records from the lines of a file. Lines arrive decoded, numbered from 1, without their line break.
public protocol ItemReader {
    mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows
    mutating func finish(emit: (ImportRecord) throws -> Void) rethrows
}

extension ItemReader {
    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {}
}
