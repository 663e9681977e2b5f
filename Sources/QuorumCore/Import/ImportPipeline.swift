/// Options that shape how a file is read.
public struct ImportOptions: Sendable {
    public var format: ImportFormat
    public var fileName: String
    public var textColumn: String?
    public var labelColumn: String?
    public var skipInvalid: Bool

    public init(format: ImportFormat = .auto, fileName: String, textColumn: String? = nil, labelColumn: String? = nil, skipInvalid: Bool = false) {
        self.format = format
        self.fileName = fileName
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.skipInvalid = skipInvalid
    }
}

/// Bytes in, checked records out: lines are cut, decoded as UTF-8, read by the format's reader and
/// checked against the project. Pure: the caller brings the bytes and stores the records.
public final class ImportPipeline {
    public let options: ImportOptions
    public private(set) var policy: ImportPolicy
    /// The format in use (resolved from `auto` on the first non-blank line).
    public private(set) var format: ImportFormat?
    private var splitter = LineSplitter()
    private var reader: (any ItemReader)?
    private var waiting: [(Int, String)] = []

    public init(options: ImportOptions, policy: ImportPolicy) {
        self.options = options
        self.policy = policy
        if options.format != .auto { start(options.format) }
    }

    /// The label column a CSV import used, for the summary.
    public var labelColumnUsed: String? { (reader as? CSVReader)?.labelColumnUsed }

    private func start(_ format: ImportFormat) {
        self.format = format
        switch format {
        case .auto, .chat: reader = ChatReader()
        case .promptCompletion: reader = PromptCompletionReader()
        case .csv:
            let name = options.fileName.lowercased()
            let tab = name.hasSuffix(".tsv") || name.hasSuffix(".tsv.gz")
            reader = CSVReader(textColumn: options.textColumn, labelColumn: options.labelColumn, separator: tab ? "\t" : ",")
        case .text: reader = TextReader()
        case .doccano: reader = DoccanoReader()
        case .labelStudio: reader = LabelStudioReader()
        case .conll: reader = CoNLLReader()
        }
        if format == .auto { self.format = .chat }
    }

    public func feed(_ chunk: UnsafeBufferPointer<UInt8>, emit: (ImportRecord) throws -> Void) rethrows {
        try splitter.feed(chunk) { number, bytes in try line(number, bytes, emit: emit) }
    }

    public func finish(emit: (ImportRecord) throws -> Void) rethrows {
        try splitter.finish { number, bytes in try line(number, bytes, emit: emit) }
        if reader == nil {
            start(ImportFormat.detect(fileName: options.fileName, firstLine: nil))
            try replayWaiting(emit: emit)
        }
        try reader!.finish { try check($0, emit: emit) }
    }

    private func line(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>, emit: (ImportRecord) throws -> Void) rethrows {
        switch LineSplitter.decode(bytes) {
        case .failure(let error):
            try emit(ImportRecord(line: number, raw: String(decoding: bytes, as: UTF8.self), result: .failure(ImportIssues([
                ImportIssue(line: number, field: "encoding", message: error.message)
            ]))))
        case .success(let text):
            if reader == nil {
                waiting.append((number, text))
                guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { return }
                start(ImportFormat.detect(fileName: options.fileName, firstLine: text))
                try replayWaiting(emit: emit)
                return
            }
            // Blank lines between JSON lines are common (editors, CRLF files) and carry nothing.
            if Self.lineFormats.contains(format!), !text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) { return }
            try reader!.read(line: number, text: text) { try check($0, emit: emit) }
        }
    }

    private static let lineFormats: Set<ImportFormat> = [.chat, .promptCompletion, .doccano]

    private func replayWaiting(emit: (ImportRecord) throws -> Void) rethrows {
        let lines = waiting
        waiting = []
        for (number, text) in lines {
            if Self.lineFormats.contains(format!), !text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) { continue }
            try reader!.read(line: number, text: text) { try check($0, emit: emit) }
        }
    }

    private func check(_ record: ImportRecord, emit: (ImportRecord) throws -> Void) rethrows {
        guard case .success(let item) = record.result else { return try emit(record) }
        let issues = policy.check(item, line: record.line)
        if issues.isEmpty { return try emit(record) }
        try emit(ImportRecord(line: record.line, raw: record.raw, result: .failure(ImportIssues(issues))))
    }
}
