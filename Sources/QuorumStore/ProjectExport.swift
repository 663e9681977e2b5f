import Foundation
import QuorumCore

/// One export of a project into a folder: reads every item once (resolving, rendering and checking it on every
/// core, keeping each record's text in a spool file beside the output), plans the files, writes them with their
/// SHA-256, writes `report.json` and `report.md`, and only then records the export and its hold-out draw.
/// An export that fails leaves the folder's earlier files as they were.
public struct ProjectExport {
    public let database: any ExportStore
    public let project: Project
    public let settings: ExportSettings
    public let directory: String
    public let counter: (any TokenCounter)?

    public init(database: any ExportStore, project: Project, settings: ExportSettings, directory: String, counter: (any TokenCounter)?) {
        self.database = database
        self.project = project
        self.settings = settings
        self.directory = directory
        self.counter = counter
    }

    public static func fileNames(for format: ExportFormat) -> [ExportPlan.Split: String] {
        Dictionary(uniqueKeysWithValues: ExportPlan.Split.allCases.map { ($0, "\($0.rawValue).\(format.fileExtension)") })
    }

    static let spoolPrefix = ".quorum-spool-"

    /// Removes what exports killed mid-way (kill -9, a crash) left in the folders under `root`: their spools, their
    /// `.partial` files, and a folder left empty by that (a browser export's own); run when a server starts. A spool
    /// an export is still writing is locked by it (a server restarted beside another one, or a command-line export,
    /// may be running one): its folder is left alone, as its `.partial` files are that export's. Returns how many
    /// files it removed.
    @discardableResult
    public static func removeLeftovers(under root: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var leftovers: [String: [String]] = [:]  // by folder
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix(spoolPrefix) || name.hasSuffix(".partial") else { continue }
            let path = (root as NSString).appendingPathComponent(relative)
            leftovers[(path as NSString).deletingLastPathComponent, default: []].append(path)
        }
        var removed = 0
        for (folder, paths) in leftovers {
            let alive = paths.contains { path in
                guard (path as NSString).lastPathComponent.hasPrefix(spoolPrefix) else { return false }
                let fd = open(path, O_RDONLY)
                guard fd >= 0 else { return false }
                defer { close(fd) }
                return flock(fd, LOCK_EX | LOCK_NB) != 0
            }
            guard !alive else { continue }
            let gone = paths.filter { (try? FileManager.default.removeItem(atPath: $0)) != nil }.count
            removed += gone
            // rmdir removes only an empty folder: one that holds an earlier export's files stays.
            if folder != root, gone > 0 { _ = rmdir(folder) }
        }
        return removed
    }

    /// Draws the hold-out set (or tops it up) to `settings.holdout` items exactly as an export with these settings
    /// would, and keeps it; writes no files. Returns the hold-out's size now.
    public func drawHoldout(progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        try withSpool { spool in
            let plan = try planned(into: spool, progress: progress)
            try database.holdOut(plan, in: project)
            return plan.files[.holdout]?.count ?? 0
        }
    }

    /// The items an export with these settings would put in its validation file now; writes nothing.
    public func validationItems() throws -> [Int64] {
        try withSpool { spool in try planned(into: spool, progress: { _, _ in }).files[.validation]?.map(\.itemID).sorted() ?? [] }
    }

    /// Checks the settings, makes the folder, and runs `body` with a spool beside the output, removed afterwards.
    private func withSpool<T>(_ body: (Spool) throws -> T) throws -> T {
        if let problem = settings.problem(for: project) { throw ExportError(problem) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let spool = try Spool(path: (directory as NSString).appendingPathComponent(Self.spoolPrefix + UUID().uuidString))
        defer { spool.remove() }
        return try body(spool)
    }

    /// `progress` gets the items read so far and the project's item count; an error it throws stops the export while
    /// it reads (nothing written, nothing recorded).
    public func run(by user: User?, progress: (Int, Int) throws -> Void = { _, _ in }) throws -> (report: ExportReport, exportID: Int64) {
        try withSpool { spool in try write(spool: spool, by: user, progress: progress) }
    }

    private func write(spool: Spool, by user: User?, progress: (Int, Int) throws -> Void) throws -> (report: ExportReport, exportID: Int64) {
        let plan = try planned(into: spool, progress: progress)
        let workers = ProcessInfo.processInfo.activeProcessorCount
        guard !(plan.files[.train] ?? []).isEmpty else {
            let reasons = plan.excludedByReason.map { "\(counted($0.count, "item")): \($0.reason.rawValue)" }
            throw ExportError("nothing to export: no item of \(plan.items) has an answer that can go into the train file; nothing was written",
                              reasons: reasons + (plan.items == 0 ? ["the project has no items (quorum import)"] : []))
        }

        let trainCount = plan.files[.train]!.count
        if settings.format.isFineTuningJSONL, trainCount < 10 {
            throw ExportError("the train file would hold \(counted(trainCount, "example")); the OpenAI fine-tuning API refuses fewer than 10; nothing was written",
                              reasons: plan.excludedByReason.map { "\(counted($0.count, "item")) left out: \($0.reason.rawValue)" }
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
            let out = try OutputPipe(path: path + ".partial")
            defer { _ = try? out.close() }
            written.append((path + ".partial", path))
            if settings.format == .csv { out.write(Array("text,label\n".utf8)) }
            if settings.target.startsWithByteOrderMark { out.write([0xEF, 0xBB, 0xBF]) }
            try spool.copy(places, to: out, workers: workers)
            let (bytes, sha256) = try out.close()
            let lines = plan.linesValidFor[split] ?? 0
            let validFor = !settings.format.isFineTuningJSONL ? [] : ExportTarget.allCases.enumerated().filter { bit, target in
                lines & (1 << bit) != 0
                    && TargetValidation.fileProblems(target: target, examples: places.count, preferences: settings.format == .dpo ? places.count : 0,
                                                     bytes: bytes, byteOrderMark: settings.target.startsWithByteOrderMark,
                                                     training: split == .train).isEmpty
            }.map(\.element)
            files.append(ExportReport.File(split: split, name: names[split]!, lines: places.count, bytes: bytes, sha256: sha256, validFor: validFor))
        }
        let quotes = try plan.contradictions.map { group in
            try group.map { ExportReport.Quote(itemID: $0.itemID, answer: ExportReport.quote(record: try spool.read($0))) }
        }
        let report = ExportReport(project: project, plan: plan, files: files, contradictions: quotes, tokensAreExact: counter?.isExact ?? false)
        let sideFiles = TrainerConfig.files(for: settings, written: files.map { ($0.split, $0.name) })
        for (name, text) in [("report.json", report.json.jsonText + "\n"), ("report.md", report.markdown)] + sideFiles {
            let path = (directory as NSString).appendingPathComponent(name)
            var out = try OutputFile(path: path + ".partial")
            written.append((path + ".partial", path))
            try out.write(text)
            _ = try out.close()
        }
        // Files of an earlier export in this folder that this one does not write would mislead: remove them.
        for name in Array(names.values) + TrainerConfig.names where !files.contains(where: { $0.name == name }) && !sideFiles.contains(where: { $0.0 == name }) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
        for file in written where rename(file.temporary, file.final) != 0 {
            throw ExportError("cannot move \(file.temporary) into place: \(String(cString: strerror(errno)))")
        }
        let placed = written.map(\.final)
        written.removeAll()
        do {
            let id = try database.recordExport(of: project, settings: settings, report: report, directory: directory, by: user,
                                                  sideFiles: sideFiles.map(\.0))
            return (report, id)
        } catch let error as ExportError {
            // Files that are not recorded, on a hold-out set that is not kept, would mislead whoever finds them.
            for path in placed { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }

    /// Reads every item once (resolving, rendering and checking it on every core, each record's text kept in
    /// `spool`) and plans the files: what goes where, duplicates, contradictions, the hold-out draw.
    private func planned(into spool: Spool, progress: (Int, Int) throws -> Void) throws -> ExportPlan {
        let total = try database.itemCount(of: project)
        let pipeline = ExportPipeline(project: project, settings: settings, counter: counter, expectedItems: total)
        let workers = ProcessInfo.processInfo.activeProcessorCount
        // The database is read on a thread of its own, a batch ahead, while the batch before is worked out.
        let database = self.database, project = self.project
        let batches = Handoff<[StoredItem]>.filled(capacity: 2) { batches in
            try database.forEachStoredItem(in: project, answeredOnly: false, withInputs: true, batchSize: 4_096) { batches.put($0) }
        }
        defer { batches.cancel() }
        // Batches are worked out on every core by a thread of their own while this one adds the batch before
        // in order (the spool, the plan's records): the in-order part no longer leaves a core idle.
        let worked = Handoff<ExportPipeline.WorkedBatch>.filled(capacity: 2) { worked in
            while let batch = try batches.take() {
                guard worked.put(pipeline.work(batch, workers: workers)) else { return }
            }
        }
        defer { worked.cancel() }
        while let batch = try worked.take() {
            try pipeline.add(batch) { try spool.append($0) }
            try progress(pipeline.items, total)
        }
        try spool.flush()
        if pipeline.errorCount > 0 {
            let shown = pipeline.errors.map { "item \($0.itemID): \($0.issue.text)" }
            throw ExportError("\(pipeline.errorCount) exported lines would break the \(settings.format.rawValue) format; nothing was written",
                              reasons: shown + (pipeline.errorCount > shown.count ? ["… \(pipeline.errorCount - shown.count) more"] : []))
        }
        return pipeline.plan()
    }
}
