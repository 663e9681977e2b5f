/// Options that shape how a file is read.
public struct ImportOptions: Sendable {
    public var format: ImportFormat
    public var fileName: String
    public var textColumn: String?
    public var labelColumn: String?
    public var skipInvalid: Bool
    /// The longest line (or record) read; longer stops the import with `LineTooLong`.
    public var maxLineBytes: Int
    /// The most bytes the source may hold once decompressed (nil: no limit); more stops it with `SourceTooLarge`.
    public var maxBytes: Int?
    /// Annotators as the file names them → existing Quorum users their answers go to (Label Studio imports);
    /// anyone not in it gets a disabled account named for the source.
    public var annotatorMap: [String: String] = [:]
    /// Each record's labels, spans or final assistant answer become its item's gold answer (source `imported`):
    /// an evaluation set labelled elsewhere.
    public var asGold = false

    public init(format: ImportFormat = .auto, fileName: String, textColumn: String? = nil, labelColumn: String? = nil, skipInvalid: Bool = false,
                maxLineBytes: Int = LineSplitter.defaultMaxLineBytes, maxBytes: Int? = nil) {
        self.format = format
        self.fileName = fileName
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.skipInvalid = skipInvalid
        self.maxLineBytes = maxLineBytes
        self.maxBytes = maxBytes
    }
}

/// Bytes in, batches of records out: lines are cut, the format is found, and the lines are handed on in batches.
/// A batch of a one-record-per-line format (chat, prompt/completion, doccano, text) is read later, on any thread
/// (`ImportBatch.records()`), so a big file is parsed on every core; the other formats carry records across lines
/// and are read here, in order. Records still have to pass the project's `ImportPolicy`, in file order.
public final class ImportPipeline {
    public let options: ImportOptions
    /// The format in use (resolved from `auto` on the first non-blank line).
    public private(set) var format: ImportFormat?
    private var splitter: LineSplitter
    /// Decompressed bytes fed so far, against `options.maxBytes`.
    private var bytesFed = 0
    private var reader: (any ItemReader)?
    private var waiting: [(Int, [UInt8])] = []
    private var lines = ImportLines(format: .chat)
    private var records: [ImportRecord] = []

    /// Lines or records per batch: enough to share out, few enough to keep memory flat.
    static let batchLines = 1_024
    static let batchBytes = 1 << 20

    public init(options: ImportOptions) {
        self.options = options
        splitter = LineSplitter(maxLineBytes: options.maxLineBytes)
        if options.format != .auto { start(options.format) }
    }

    /// The label column a CSV import used, for the summary.
    public var labelColumnUsed: String? { (reader as? CSVReader)?.labelColumnUsed }

    private func start(_ format: ImportFormat) {
        let resolved = format == .auto ? ImportFormat.chat : format
        self.format = resolved
        lines = ImportLines(format: resolved)
        if !ImportLines.formats.contains(resolved) { reader = Self.reader(for: resolved, options: options) }
    }

    private static func reader(for format: ImportFormat, options: ImportOptions) -> any ItemReader {
        switch format {
        case .csv:
            let name = options.fileName.lowercased()
            let tab = name.hasSuffix(".tsv") || name.hasSuffix(".tsv.gz")
            return CSVReader(textColumn: options.textColumn, labelColumn: options.labelColumn, separator: tab ? "\t" : ",")
        case .labelStudio: return LabelStudioReader()
        case .conll: return CoNLLReader()
        case .auto, .chat, .promptCompletion, .text, .doccano, .spacy: return ImportLines.reader(for: format)
        }
    }

    public func feed(_ chunk: UnsafeBufferPointer<UInt8>, emit: (ImportBatch) throws -> Void) throws {
        bytesFed += chunk.count
        if let limit = options.maxBytes, bytesFed > limit { throw SourceTooLarge(limit: limit) }
        // A Label Studio export is one JSON document, held whole to be parsed: bound it as a record, generously.
        let documentLimit = options.maxLineBytes.multipliedReportingOverflow(by: 16)
        if format == .labelStudio, !documentLimit.overflow, bytesFed > documentLimit.partialValue {
            throw SourceTooLarge(limit: documentLimit.partialValue)
        }
        try splitter.feed(chunk) { number, bytes in try line(number, bytes, emit: emit) }
    }

    public func finish(emit: (ImportBatch) throws -> Void) throws {
        try splitter.finish { number, bytes in try line(number, bytes, emit: emit) }
        if format == nil {
            start(ImportFormat.detect(fileName: options.fileName, firstLine: nil))
            try replayWaiting(emit: emit)
        }
        try reader?.finish { try add($0, emit: emit) }
        try flush(emit: emit)
    }

    private func line(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>, emit: (ImportBatch) throws -> Void) rethrows {
        guard format != nil else { return try detect(number, bytes, emit: emit) }
        if reader == nil {
            lines.append(number, bytes)
            if lines.count >= Self.batchLines || lines.byteCount >= Self.batchBytes { try flush(emit: emit) }
            return
        }
        switch LineSplitter.decode(bytes) {
        case .failure(let error): try add(ImportRecord(line: number, bytes: bytes, error: error), emit: emit)
        case .success(let text): try reader!.read(line: number, text: text) { try add($0, emit: emit) }
        }
    }

    /// Holds lines until the first non-blank one names the format.
    private func detect(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>, emit: (ImportBatch) throws -> Void) rethrows {
        switch LineSplitter.decode(bytes) {
        case .failure(let error):
            try add(ImportRecord(line: number, bytes: bytes, error: error), emit: emit)
        case .success(let text):
            waiting.append((number, Array(bytes)))
            guard !text.isBlank else { return }
            start(ImportFormat.detect(fileName: options.fileName, firstLine: text))
            try replayWaiting(emit: emit)
        }
    }

    private func replayWaiting(emit: (ImportBatch) throws -> Void) rethrows {
        let held = waiting
        waiting = []
        for (number, bytes) in held { try bytes.withUnsafeBufferPointer { try line(number, $0, emit: emit) } }
    }

    private func add(_ record: ImportRecord, emit: (ImportBatch) throws -> Void) rethrows {
        records.append(record)
        if records.count >= Self.batchLines { try flush(emit: emit) }
    }

    /// Hands on what is held, records before lines (they came first: records are only held while lines are not).
    private func flush(emit: (ImportBatch) throws -> Void) rethrows {
        if !records.isEmpty {
            let held = records
            records = []
            try emit(.records(held))
        }
        if lines.count > 0 {
            let held = lines
            lines = ImportLines(format: held.format)
            try emit(.lines(held))
        }
    }
}

/// A run of records on their way from the pipeline to the project: read already, or lines still to read.
public enum ImportBatch: Sendable {
    case records([ImportRecord])
    case lines(ImportLines)

    /// The batch's records, in file order. Pure: batches may be read side by side on several threads.
    public func records() -> [ImportRecord] {
        switch self {
        case .records(let records): return records
        case .lines(let lines): return lines.records()
        }
    }
}

/// Lines of a one-record-per-line format, kept as bytes until a worker reads them.
public struct ImportLines: Sendable {
    static let formats: Set<ImportFormat> = [.chat, .promptCompletion, .doccano, .spacy, .text]
    /// Formats whose blank lines carry nothing (editors and CRLF files leave them between JSON lines).
    private static let skipsBlankLines: Set<ImportFormat> = [.chat, .promptCompletion, .doccano, .spacy]

    public let format: ImportFormat
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var numbers: [Int] = []

    init(format: ImportFormat) { self.format = format }

    var count: Int { numbers.count }
    var byteCount: Int { bytes.count }

    mutating func append(_ number: Int, _ line: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
        numbers.append(number)
    }

    static func reader(for format: ImportFormat) -> any ItemReader {
        switch format {
        case .promptCompletion: return PromptCompletionReader()
        case .text: return TextReader()
        case .doccano, .spacy: return DoccanoReader()
        default: return ChatReader()
        }
    }

    func records() -> [ImportRecord] {
        var reader = Self.reader(for: format)
        var records: [ImportRecord] = []
        records.reserveCapacity(count)
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            for (number, end) in zip(numbers, ends) {
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                start = end
                switch LineSplitter.decode(line) {
                case .failure(let error): records.append(ImportRecord(line: number, bytes: line, error: error))
                case .success(let text):
                    if Self.skipsBlankLines.contains(format), text.isBlank { continue }
                    reader.read(line: number, text: text) { records.append($0) }
                }
            }
        }
        return records
    }
}

extension ImportRecord {
    /// A line that is not UTF-8.
    init(line: Int, bytes: UnsafeBufferPointer<UInt8>, error: ImportLineError) {
        self.init(line: line, raw: String(decoding: bytes, as: UTF8.self), result: .failure(ImportIssues([
            ImportIssue(line: line, field: "encoding", message: error.message)
        ])))
    }
}

extension String {
    /// Nothing but whitespace (or nothing at all).
    var isBlank: Bool { !unicodeScalars.contains { !$0.properties.isWhitespace } }
}
