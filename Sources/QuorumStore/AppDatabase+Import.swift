import Foundation
import GRDB
import QuorumCore

/// How far an import has got, for a progress bar.
public struct ImportProgress: Sendable {
    public var bytesRead: Int
    public var totalBytes: Int?
    public var records: Int
}

extension AppDatabase {
    /// Reads `source` into `project`. Items are deduplicated per project by the hash of their normalized input.
    /// `rejected` receives every bad record (for the rejects file). With any bad record and no `skipInvalid`,
    /// nothing is kept.
    ///
    /// By default in one transaction, so a killed import leaves the database as it was. `exclusive`: the caller
    /// uses the database for nothing else meanwhile (the command line does), so the import may write with a
    /// rollback journal instead of the log when no other process has the file open (see `withRollbackJournal`).
    /// `staged` (a server's upload): in transactions of `stagedRecords` records that annotators' saves go between,
    /// the items hidden until one last transaction publishes them all (see `Schema.v7`); anything else that goes
    /// wrong discards what it wrote, and a server stopped mid-way discards it when it starts again.
    public func importItems(into project: Project, from source: ByteSource, options: ImportOptions, userID: Int64? = nil,
                            exclusive: Bool = false, staged: Bool = false, progress: ((ImportProgress) -> Void)? = nil,
                            rejected: ((ImportRecord, [ImportIssue]) throws -> Void)? = nil) throws -> ImportSummary {
        defer { recent.projects.remove(project.id) }  // an import may add labels
        let reading = ImportReading(source: source, options: options)
        defer { reading.cancel() }
        let run = ImportRun(project: project, options: options, userID: userID, total: source.totalBytes, progress: progress, rejected: rejected)
        if staged { return try importStaged(run, reading: reading) }

        // This process's idle readers would keep the log open.
        if exclusive { writer.releaseMemory() }
        try writer.writeWithoutTransaction { db in
            try Self.withImportSettings(db) {
                try Self.withRollbackJournal(db, if: exclusive) {
                    let writeback = Writeback(databasePath: writer.path)
                    defer { writeback.stop() }
                    try db.inTransaction(.immediate) {
                        try run.begin(db, staged: false)
                        while let batch = try reading.next() {
                            try run.write(batch.records[...])
                            run.report(bytesRead: batch.bytesRead)
                        }
                        return try run.finish(db, outcome: reading.outcome) ? .commit : .rollback
                    }
                }
            }
        }
        return run.summary
    }

    /// Records per transaction of a staged import: a few tens of milliseconds of writing, so a save waits no longer.
    static let stagedRecords = 2_000

    private func importStaged(_ run: ImportRun, reading: ImportReading) throws -> ImportSummary {
        func step<T>(_ body: (Database) throws -> (T, Database.TransactionCompletion)) throws -> T {
            try writer.writeWithoutTransaction { db in
                try Self.withImportSettings(db) {
                    var result: T?
                    try db.inTransaction(.immediate) {
                        let (value, completion) = try body(db)
                        result = value
                        return completion
                    }
                    return result!
                }
            }
        }
        try step { db in (try run.begin(db, staged: true), .commit) }
        do {
            while let batch = try reading.next() {
                for start in stride(from: 0, to: batch.records.count, by: Self.stagedRecords) {
                    try step { db in (try run.write(batch.records[start..<min(start + Self.stagedRecords, batch.records.count)]), .commit) }
                }
                run.report(bytesRead: batch.bytesRead)
            }
            let published = try step { db in
                let published = try run.finish(db, outcome: reading.outcome)
                return (published, published ? .commit : .rollback)
            }
            if !published { try discardStagedImport(projectID: run.project.id, importID: run.importID) }
        } catch {
            try? discardStagedImport(projectID: run.project.id, importID: run.importID)
            throw error
        }
        return run.summary
    }

    /// Deletes what a staged import wrote, a slice at a time (its items are hidden, so nobody sees them go), and
    /// frees the project for the next import.
    func discardStagedImport(projectID: Int64, importID: Int64) throws {
        while try writer.write({ db in
            guard let from = try Int64.fetchOne(db, sql: "SELECT staged_from FROM projects WHERE id = ? AND staging_import = ?",
                                                arguments: [projectID, importID]) else { return false }
            try db.execute(sql: """
                DELETE FROM items WHERE id IN (SELECT id FROM items WHERE id >= ? AND import_id = ? ORDER BY id LIMIT \(Self.stagedRecords))
                """, arguments: [from, importID])
            let deleted = db.changesCount
            // The delete trigger took each item from a count the import never added it to.
            try db.execute(sql: "UPDATE projects SET item_count = item_count + ? WHERE id = ?", arguments: [deleted, projectID])
            return deleted > 0
        }) {}
        try writer.write { db in
            try db.execute(sql: "UPDATE projects SET staged_from = NULL, staging_import = NULL WHERE id = ? AND staging_import = ?",
                           arguments: [projectID, importID])
            try db.execute(sql: "DELETE FROM imports WHERE id = ?", arguments: [importID])
        }
    }

    /// Discards every staged import a stopped server left unfinished; a server calls it as it starts.
    @discardableResult
    public func discardUnfinishedImports() throws -> Int {
        let unfinished = try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, staging_import FROM projects WHERE staging_import IS NOT NULL")
                .map { (project: $0[0] as Int64, import: $0[1] as Int64) }
        }
        for (project, staged) in unfinished { try discardStagedImport(projectID: project, importID: staged) }
        return unfinished.count
    }

    /// For an import's transactions, given back after each:
    /// - a bigger page cache (64 MB): a large import touches the duplicate index at random;
    /// - temporary files in memory: a multi-row insert keeps a statement journal (each page it changes, to
    ///   undo the statement alone), by default a file: a write system call per page;
    /// - CHECK constraints not evaluated: every value the import writes under one (roles, statuses; never
    ///   an item's split) comes from this code, not the file, and the one on items built a temporary index
    ///   of the split's three values for every row;
    /// - foreign keys not checked: every row the import refers to (the project, checked in `ImportRun.begin`, the
    ///   import, annotators' accounts) is one it read or wrote under its own lock, and Quorum never deletes projects
    ///   or users. The checks cost two lookups per item, and made every multi-row insert keep a statement journal:
    ///   a fifth of the import's processor time.
    private static func withImportSettings<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        let tempStore = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? 0
        try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA ignore_check_constraints = ON; PRAGMA foreign_keys = OFF")
        defer {
            try? db.execute(sql: """
                PRAGMA cache_size = \(cacheSize); PRAGMA temp_store = \(tempStore); PRAGMA ignore_check_constraints = OFF;
                PRAGMA foreign_keys = ON
                """)
        }
        return try body()
    }
}
