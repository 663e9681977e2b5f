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

    /// Makes the import's row, inside the caller's transaction. A project that a staged import is filling takes no
    /// other import until that one ends.
    func begin(_ db: Database, staged: Bool) throws {
        guard !project.kind.isJudging else {
            throw StoreError(.invalid, "\(project.name) is a \(project.kind.rawValue) project: its items are models' answers from runs (quorum \(project.kind.rawValue) create), not imported")
        }
        guard let staging = try Row.fetchOne(db, sql: "SELECT staging_import FROM projects WHERE id = ?", arguments: [project.id]) else {
            throw StoreError(.notFound, "project \(project.slug) no longer exists")
        }
        if let other: Int64 = staging[0] {
            throw StoreError(.conflict, "another import into \(project.slug) (import \(other)) is under way: wait for it to end "
                             + "(one cut short by a server stopping is discarded when the server starts again)")
        }
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
                // After the first bad record of an all-or-nothing import, only keep finding errors.
                if failed && !options.skipInvalid { continue }
                try writer.add(item)
            }
        }
        try writer.flush()
    }

    func report(bytesRead: Int) {
        progress?(ImportProgress(bytesRead: bytesRead, totalBytes: total, records: records))
    }

    /// Settles the import inside the caller's last transaction: false when a bad record sends an all-or-nothing
    /// import back (the caller rolls back or discards what it wrote). A staged import's items become visible here.
    func finish(_ db: Database, outcome: ImportReading.Outcome) throws -> Bool {
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
        try writer.writeHeld()
        summary.imported = writer.imported
        summary.duplicates = writer.duplicates
        summary.annotations = writer.annotations
        summary.golds = writer.golds
        summary.addedLabels = policy.addedLabels
        if !summary.addedLabels.isEmpty {
            try db.execute(sql: "UPDATE projects SET labels = ? WHERE id = ?", arguments: [AppDatabase.labelsJSON(policy.labels), project.id])
        }
        try db.execute(sql: "UPDATE projects SET item_count = item_count + ?, staged_from = NULL, staging_import = NULL WHERE id = ?",
                       arguments: [summary.imported, project.id])
        try db.execute(sql: "UPDATE imports SET format = ?, sha256 = ?, imported = ?, duplicates = ?, rejected = ? WHERE id = ?",
                       arguments: [summary.format.rawValue, summary.sha256, summary.imported, summary.duplicates, summary.rejected, importID])
        return true
    }
}
