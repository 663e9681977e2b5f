import Foundation
import QuorumCore

/// Why an export wrote nothing, with every reason a person needs to fix it.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let reasons: [String]

    public init(_ message: String, reasons: [String] = []) {
        self.message = message
        self.reasons = reasons
    }

    public var description: String { ([message] + reasons.map { "  " + $0 }).joined(separator: "\n") }
}

/// One export of a project into a folder: reads every item once (resolving, rendering and checking it on every
/// core, keeping each record's text in a spool file beside the output), plans the files, writes them with their
/// SHA-256, writes `report.json` and `report.md`, and only then records the export and its hold-out draw.
/// An export that fails leaves the folder's earlier files as they were.
public struct ProjectExport {
    public let database: AppDatabase
    public let project: Project
    public let settings: ExportSettings
    public let directory: String
    public let counter: (any TokenCounter)?

    public init(database: AppDatabase, project: Project, settings: ExportSettings, directory: String, counter: (any TokenCounter)?) {
        self.database = database
        self.project = project
        self.settings = settings
        self.directory = directory
        self.counter = counter
    }

    public static func fileNames(for format: ExportFormat) -> [ExportPlan.Split: String] {
        Dictionary(uniqueKeysWithValues: ExportPlan.Split.allCases.map { ($0, "\($0.rawValue).\(format.fileExtension)") })
    }

    /// `progress` gets the items read so far and the project's item count.
    public func run(by user: User?, progress: (Int, Int) -> Void = { _, _ in }) throws -> (report: ExportReport, exportID: Int64) {
        if let problem = settings.problem(for: project) { throw ExportError(problem) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let spool = try Spool(path: (directory as NSString).appendingPathComponent(".quorum-spool-\(UUID().uuidString)"))
        defer { spool.remove() }

        let total = try database.summary(of: project).items
        let pipeline = ExportPipeline(project: project, settings: settings, counter: counter)
        let workers = ProcessInfo.processInfo.activeProcessorCount
        // The database is read on a thread of its own, a batch ahead, while the batch before is worked out.
        let batches = Handoff<[StoredItem]>(capacity: 2)
        let database = self.database, project = self.project
        let reader = Thread {
            do {
                try database.forEachStoredItem(in: project) { batches.put($0) }
                batches.finish(nil)
            } catch {
                batches.finish(error)
            }
        }
        reader.start()
        defer { batches.cancel() }
        while let batch = try batches.take() {
            try pipeline.add(batch: batch, workers: workers) { try spool.append($0) }
            progress(pipeline.items, total)
        }
        try spool.flush()
        if pipeline.errorCount > 0 {
            let shown = pipeline.errors.map { "item \($0.itemID): \($0.issue.text)" }
            throw ExportError("\(pipeline.errorCount) exported lines would break the \(settings.format.rawValue) format; nothing was written",
                              reasons: shown + (pipeline.errorCount > shown.count ? ["… \(pipeline.errorCount - shown.count) more"] : []))
        }
        let plan = pipeline.plan(storedHoldout: try database.heldOutCount(in: project))
        guard !(plan.files[.train] ?? []).isEmpty else {
            let reasons = plan.excludedByReason.map { "\($0.count) items: \($0.reason.rawValue)" }
            throw ExportError("nothing to export: no item of \(plan.items) has an answer that can go into the train file; nothing was written",
                              reasons: reasons + (plan.items == 0 ? ["the project has no items (quorum import)"] : []))
        }

        let trainCount = plan.files[.train]!.count
        if settings.format.isFineTuningJSONL, trainCount < 10 {
            throw ExportError("the train file would hold \(trainCount) examples; the OpenAI fine-tuning API refuses fewer than 10; nothing was written",
                              reasons: plan.excludedByReason.map { "\($0.count) items left out: \($0.reason.rawValue)" }
                                  + ["\(plan.files[.validation]?.count ?? 0) in validation, \(plan.files[.holdout]?.count ?? 0) held out"])
        }

        // Every file is written beside its final name and moved into place once all are written.
        let names = Self.fileNames(for: settings.format)
        var files: [ExportReport.File] = []
        var written: [(temporary: String, final: String)] = []
        defer { for file in written { try? FileManager.default.removeItem(atPath: file.temporary) } }
        for split in ExportPlan.Split.allCases {
            guard let places = plan.files[split], !places.isEmpty else { continue }
            let path = (directory as NSString).appendingPathComponent(names[split]!)
            var out = try OutputFile(path: path + ".partial")
            written.append((path + ".partial", path))
            if settings.format == .csv { try out.write("text,label\n") }
            for place in places { try out.write(try spool.read(place) + "\n") }
            files.append(ExportReport.File(split: split, name: names[split]!, lines: places.count, bytes: out.bytes, sha256: try out.close()))
        }
        let quotes = try plan.contradictions.map { group in
            try group.map { ExportReport.Quote(itemID: $0.itemID, answer: ExportReport.quote(record: try spool.read($0))) }
        }
        let report = ExportReport(project: project, plan: plan, files: files, contradictions: quotes, tokensAreExact: counter?.isExact ?? false)
        for (name, text) in [("report.json", report.json.jsonText + "\n"), ("report.md", report.markdown)] {
            let path = (directory as NSString).appendingPathComponent(name)
            var out = try OutputFile(path: path + ".partial")
            written.append((path + ".partial", path))
            try out.write(text)
            _ = try out.close()
        }
        // Files of an earlier export in this folder that this one does not write would mislead: remove them.
        for name in names.values where !files.contains(where: { $0.name == name }) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
        for file in written where rename(file.temporary, file.final) != 0 {
            throw ExportError("cannot move \(file.temporary) into place: \(String(cString: strerror(errno)))")
        }
        written.removeAll()
        let id = try database.recordExport(of: project, settings: settings, report: report, directory: directory, by: user)
        return (report, id)
    }
}

/// Hands batches from one thread to another, holding at most `capacity` of them.
final class Handoff<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Value] = []
    private let capacity: Int
    private var done = false
    private var failure: Error?
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; drops the value when the taker has gone.
    func put(_ value: Value) {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if !cancelled { queue.append(value) }
        condition.broadcast()
    }

    func finish(_ error: Error?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The taker stops early: the putter's waits end.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next value, nil at the end, or the putter's error.
    func take() throws -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !done { condition.wait() }
        if !queue.isEmpty {
            condition.broadcast()
            return queue.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }
}

/// The first pass's records, appended in order and read back by place.
final class Spool {
    private let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var offset: Int64 = 0
    private var flushed: Int64 = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ExportError("cannot write in \((path as NSString).deletingLastPathComponent): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ text: String) throws -> (offset: Int64, length: Int32) {
        let start = offset
        buffer.append(contentsOf: text.utf8)
        let length = Int64(buffer.count) - (start - flushed)
        offset += length
        if buffer.count >= 1 << 20 { try flush() }
        return (start, Int32(length))
    }

    func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ExportError("cannot write the export's spool file: \(String(cString: strerror(errno)))") }
            done += n
        }
        flushed += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    func read(_ place: ExportPlan.Place) throws -> String {
        var bytes = [UInt8](repeating: 0, count: Int(place.length))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(place.length), off_t(place.offset)) }
        guard n == Int(place.length) else { throw ExportError("cannot read back the export's spool file") }
        return String(decoding: bytes, as: UTF8.self)
    }

    func remove() {
        close(fd)
        unlink(path)
    }
}

/// A file written through a buffer, hashed as it goes.
struct OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    private var hash = ContentHash()
    private(set) var bytes = 0

    init(path: String) throws {
        guard let handle = fopen(path, "wb") else {
            throw ExportError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    mutating func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { buffer in
            hash.update(UnsafeRawBufferPointer(buffer))
            guard fwrite(buffer.baseAddress, 1, buffer.count, handle) == buffer.count else {
                throw ExportError("cannot write the export: \(String(cString: strerror(errno)))")
            }
        }
        bytes += text.utf8.count
    }

    /// Closes the file and gives its SHA-256.
    mutating func close() throws -> String {
        guard fclose(handle) == 0 else { throw ExportError("cannot finish writing the export: \(String(cString: strerror(errno)))") }
        return hash.hexDigest()
    }
}
