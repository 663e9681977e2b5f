import Foundation
import GRDB
import QuorumCore

/// One import's records on their way into a project: checked against the project's policy, counted, rejected or
/// written, and the import's row and the project's counts settled at the end. The same steps serve an import in
/// one transaction (the command line) and a staged one in many (the browser).
final class ImportRun {
    let project: Project
    let options: ImportOptions
    private let userID: Int64?
    private let total: Int?
    private let progress: ((ImportProgress) -> Void)?
    private let rejected: ((ImportRecord, [ImportIssue]) throws -> Void)?
    private var policy: ImportPolicy
    private(set) var summary: ImportSummary
    private var records = 0
    private var failed = false
    private var writer: ItemWriter!
    private(set) var importID: Int64 = 0

    init(project: Project, options: ImportOptions, userID: Int64?, total: Int?, progress: ((ImportProgress) -> Void)?,
         rejected: ((ImportRecord, [ImportIssue]) throws -> Void)?) {
        self.project = project
        self.options = options
        self.userID = userID
        self.total = total
        self.progress = progress
        self.rejected = rejected
        policy = ImportPolicy(projectName: project.name, kind: project.kind, labels: project.labels, multiLabel: project.multiLabel)
        summary = ImportSummary(format: options.format)
    }

    /// Judging projects' items come from runs, not files.
    func refuseJudging() throws {
        guard !project.kind.isJudging else {
            throw StoreError(.invalid, "\(project.name) is a \(project.kind.rawValue) project: its items are models' answers from runs (quorum \(project.kind.rawValue) create), not imported")
        }
    }

    /// The message for an import refused because another one, staged, is filling the project.
    func busy(with other: Int64) -> StoreError {
        StoreError(.conflict, "another import into \(project.slug) (import \(other)) is under way: wait for it to end "
                   + "(one cut short by a server stopping is discarded when the server starts again)")
    }

    /// Makes the import's row, inside the caller's transaction. A project that a staged import is filling takes no
    /// other import until that one ends.
    func begin(_ db: Database, staged: Bool) throws {
        try refuseJudging()
        guard let staging = try Row.fetchOne(db, sql: "SELECT staging_import FROM projects WHERE id = ?", arguments: [project.id]) else {
            throw StoreError(.notFound, "project \(project.slug) no longer exists")
        }
        if let other: Int64 = staging[0] { throw busy(with: other) }
        let now = AppDatabase.timestamp()
        try db.execute(sql: """
            INSERT INTO imports (project_id, file_name, format, sha256, imported, duplicates, rejected, user_id, created_at)
            VALUES (?, ?, ?, '', 0, 0, 0, ?, ?)
            """, arguments: [project.id, options.fileName, options.format.rawValue, userID, now])
        importID = db.lastInsertedRowID
        writer = try ItemWriter(db: db, projectID: project.id, importID: importID, now: now, annotatorMap: options.annotatorMap,
                                goldFor: options.asGold ? project.kind : nil, userID: userID, holdsAnswers: staged)
        if staged {
            try db.execute(sql: "UPDATE projects SET staged_from = (SELECT COALESCE(MAX(id), 0) + 1 FROM items), staging_import = ? WHERE id = ?",
                           arguments: [importID, project.id])
        }
    }

    /// Checks and writes records, inside the caller's transaction.
    func write(_ batch: ArraySlice<ImportRecord>) throws {
        for item in try accepted(batch) { try writer.add(item) }
        try writer.flush()
    }

    /// Checks a batch against the project's policy, counting and handing on the bad records: the items to write.
    /// After the first bad record of an all-or-nothing import, only errors are looked for (nothing is written).
    func accepted(_ batch: ArraySlice<ImportRecord>) throws -> [ImportedItem] {
        var items: [ImportedItem] = []
        items.reserveCapacity(batch.count)
        for record in batch {
            records += 1
            var outcome = record.result
            if case .success(let item) = outcome, item.leftOut == nil {
                let issues = policy.check(item, line: record.line)
                if !issues.isEmpty { outcome = .failure(ImportIssues(issues)) }
            }
            switch outcome {
            case .failure(let issues):
                summary.record(issues.issues)
                failed = true
                try rejected?(record, issues.issues)
            case .success(let item):
                if let reason = item.leftOut {
                    summary.leftOut[reason, default: 0] += 1
                    continue
                }
                for field in item.notCarried { summary.notCarried[field, default: 0] += 1 }
                if failed && !options.skipInvalid { continue }
                items.append(item)
            }
        }
        return items
    }

    func report(bytesRead: Int) {
        progress?(ImportProgress(bytesRead: bytesRead, totalBytes: total, records: records))
    }

    /// Settles the import inside the caller's last transaction: false when a bad record sends an all-or-nothing
    /// import back (the caller rolls back or discards what it wrote). A staged import's items become visible here.
    func finish(_ db: Database, outcome: ImportReading.Outcome) throws -> Bool {
        guard conclude(outcome) else { return false }
        try writer.writeHeld()
        written(imported: writer.imported, duplicates: writer.duplicates, annotations: writer.annotations, golds: writer.golds)
        if !summary.addedLabels.isEmpty {
            try db.execute(sql: "UPDATE projects SET labels = ? WHERE id = ?", arguments: [AppDatabase.labelsJSON(policy.labels), project.id])
        }
        try db.execute(sql: "UPDATE projects SET item_count = item_count + ?, staged_from = NULL, staging_import = NULL WHERE id = ?",
                       arguments: [summary.imported, project.id])
        try db.execute(sql: "UPDATE imports SET format = ?, sha256 = ?, imported = ?, duplicates = ?, rejected = ? WHERE id = ?",
                       arguments: [summary.format.rawValue, summary.sha256, summary.imported, summary.duplicates, summary.rejected, importID])
        return true
    }

    /// What the source said, in the summary: false when a bad record sends an all-or-nothing import back.
    func conclude(_ outcome: ImportReading.Outcome) -> Bool {
        summary.format = outcome.format ?? options.format
        summary.labelColumn = outcome.labelColumnUsed
        summary.sha256 = outcome.sha256
        if failed && !options.skipInvalid {
            summary.committed = false
            summary.imported = 0
            summary.duplicates = 0
            summary.annotations = 0
            summary.golds = 0
            return false
        }
        return true
    }

    /// What was written, in the summary, with the labels the import added to the project (`labels`, to store).
    func written(imported: Int, duplicates: Int, annotations: Int, golds: Int) {
        summary.imported = imported
        summary.duplicates = duplicates
        summary.annotations = annotations
        summary.golds = golds
        summary.addedLabels = policy.addedLabels
    }

    /// The project's labels after the import (it may add some).
    var labels: [String] { policy.labels }
}
