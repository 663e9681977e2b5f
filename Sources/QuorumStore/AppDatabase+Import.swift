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
    /// Reads `source` into `project` in one transaction: with any bad record and no `skipInvalid`, nothing is
    /// written (and a killed import leaves the database as it was). Items are deduplicated per project by the
    /// hash of their normalized input. `rejected` receives every bad record (for the rejects file).
    /// `exclusive`: the caller uses the database for nothing else meanwhile (the command line does), so the import
    /// may write with a rollback journal instead of the log when no other process has the file open (see
    /// `withRollbackJournal`); a server, whose readers must go on, leaves it false.
    public func importItems(into project: Project, from source: ByteSource, options: ImportOptions, userID: Int64? = nil,
                            exclusive: Bool = false, progress: ((ImportProgress) -> Void)? = nil,
                            rejected: ((ImportRecord, [ImportIssue]) throws -> Void)? = nil) throws -> ImportSummary {
        var policy = ImportPolicy(projectName: project.name, kind: project.kind, labels: project.labels, multiLabel: project.multiLabel)
        var summary = ImportSummary(format: options.format)
        let total = source.totalBytes
        var records = 0
        defer { recent.projects.remove(project.id) }  // an import may add labels
        let reading = ImportReading(source: source, options: options)
        defer { reading.cancel() }

        // This process's idle readers would keep the log open.
        if exclusive { writer.releaseMemory() }
        try writer.writeWithoutTransaction { db in
            // For the import's duration, given back afterwards:
            // - a bigger page cache (64 MB): a large import touches the duplicate index at random;
            // - temporary files in memory: a multi-row insert keeps a statement journal (each page it changes, to
            //   undo the statement alone), by default a file: a write system call per page;
            // - CHECK constraints not evaluated: every value the import writes under one (roles, statuses; never
            //   an item's split) comes from this code, not the file, and the one on items built a temporary index
            //   of the split's three values for every row;
            // - foreign keys not checked: every row the import refers to (the project, checked below, the import,
            //   annotators' accounts) is one it read or wrote inside its own immediate transaction, and Quorum never
            //   deletes projects or users. The checks cost two lookups per item, and made every multi-row insert
            //   keep a statement journal: a fifth of the import's processor time.
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            let tempStore = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? 0
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA ignore_check_constraints = ON; PRAGMA foreign_keys = OFF")
            defer {
                try? db.execute(sql: """
                    PRAGMA cache_size = \(cacheSize); PRAGMA temp_store = \(tempStore); PRAGMA ignore_check_constraints = OFF;
                    PRAGMA foreign_keys = ON
                    """)
            }
            try Self.withRollbackJournal(db, if: exclusive) {
                let writeback = Writeback(databasePath: writer.path)
                defer { writeback.stop() }
                try db.inTransaction(.immediate) {
                    guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE id = ?", arguments: [project.id]) != nil else {
                        throw StoreError(.notFound, "project \(project.slug) no longer exists")
                    }
                    let now = Self.timestamp()
                    try db.execute(sql: """
                        INSERT INTO imports (project_id, file_name, format, sha256, imported, duplicates, rejected, user_id, created_at)
                        VALUES (?, ?, ?, '', 0, 0, 0, ?, ?)
                        """, arguments: [project.id, options.fileName, options.format.rawValue, userID, now])
                    let importID = db.lastInsertedRowID
                    let writer = try ItemWriter(db: db, projectID: project.id, importID: importID, now: now, annotatorMap: options.annotatorMap,
                                                goldFor: options.asGold ? project.kind : nil, userID: userID)
                    var failed = false

                    func handle(_ record: ImportRecord) throws {
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
                                return
                            }
                            for field in item.notCarried { summary.notCarried[field, default: 0] += 1 }
                            // After the first bad record of an all-or-nothing import, only keep finding errors.
                            if failed && !options.skipInvalid { return }
                            try writer.add(item)
                        }
                    }
                    while let batch = try reading.next() {
                        for record in batch.records { try handle(record) }
                        progress?(ImportProgress(bytesRead: batch.bytesRead, totalBytes: total, records: records))
                    }
                    try writer.flush()
                    summary.imported = writer.imported
                    summary.duplicates = writer.duplicates
                    summary.annotations = writer.annotations
                    summary.golds = writer.golds
                    let outcome = reading.outcome
                    summary.format = outcome.format ?? options.format
                    summary.labelColumn = outcome.labelColumnUsed
                    summary.sha256 = outcome.sha256
                    if failed && !options.skipInvalid {
                        summary.committed = false
                        summary.imported = 0
                        summary.duplicates = 0
                        summary.annotations = 0
                        summary.golds = 0
                        return .rollback
                    }
                    summary.addedLabels = policy.addedLabels
                    if !summary.addedLabels.isEmpty {
                        try db.execute(sql: "UPDATE projects SET labels = ? WHERE id = ?",
                                       arguments: [Self.labelsJSON(policy.labels), project.id])
                    }
                    try db.execute(sql: "UPDATE projects SET item_count = item_count + ? WHERE id = ?", arguments: [summary.imported, project.id])
                    try db.execute(sql: "UPDATE imports SET format = ?, sha256 = ?, imported = ?, duplicates = ?, rejected = ? WHERE id = ?",
                                   arguments: [summary.format.rawValue, summary.sha256, summary.imported, summary.duplicates, summary.rejected, importID])
                    return .commit
                }
            }
        }
        return summary
    }
}

/// Inserts items (and annotations that came with them) with prepared statements inside the import's transaction.
/// Items without annotations wait in a row of up to `rowsPerInsert` and go in with one multi-row statement: a
/// statement's own cost (cursors on the table, its indexes and the rows it refers to) then comes once per row of
/// them rather than once per item. `INSERT OR IGNORE` rather than an upsert: the upsert's conflict handling cost
/// more, and the only uniqueness an insert can break is the duplicate key (the id is SQLite's).
private final class ItemWriter {
    let db: Database
    let projectID: Int64
    let importID: Int64
    let now: String
    let findItem: Statement
    /// Annotators named in the file → existing Quorum users, as the import was told (`--map-annotator`).
    let annotatorMap: [String: String]
    /// `--as-gold`: each record's labels, spans or conversation become its item's gold answer (source `imported`).
    let goldFor: ProjectKind?
    let userID: Int64?
    private(set) var golds = 0
    var users: [String: Int64] = [:]
    private var waiting: [ImportedItem] = []
    private var buffer: [UInt8] = []
    private var inserts: [Int: Statement] = [:]
    private(set) var imported = 0
    private(set) var duplicates = 0
    private(set) var annotations = 0

    static let rowsPerInsert = 64

    init(db: Database, projectID: Int64, importID: Int64, now: String, annotatorMap: [String: String], goldFor: ProjectKind?, userID: Int64?) throws {
        self.db = db
        self.annotatorMap = annotatorMap
        self.goldFor = goldFor
        self.userID = userID
        self.projectID = projectID
        self.importID = importID
        self.now = now
        findItem = try db.makeStatement(sql: "SELECT id FROM items WHERE project_id = ? AND input_hash = ?")
    }

    func add(_ item: ImportedItem) throws {
        guard item.annotations.isEmpty, goldFor == nil else {
            try flush()
            return try insert(annotated: item)
        }
        waiting.append(item)
        if waiting.count == Self.rowsPerInsert { try flush() }
    }

    /// Inserts the items waiting; a duplicate of an item already stored (or earlier in the row) is left out.
    /// Inputs and hashes are bound from one buffer, in place.
    func flush() throws {
        guard !waiting.isEmpty else { return }
        buffer.removeAll(keepingCapacity: true)
        var places: [(input: Range<Int>, hash: Range<Int>)] = []
        places.reserveCapacity(waiting.count)
        for item in waiting {
            let input = buffer.count
            buffer.append(contentsOf: item.input.utf8)
            let hash = buffer.count
            item.dedupHash.withBytes { buffer.append(contentsOf: $0) }
            places.append((input..<hash, hash..<buffer.count))
        }
        try buffer.withUnsafeBytes { bytes in
            var values: [any DirectValue] = []
            values.reserveCapacity(waiting.count * 7)
            for (item, place) in zip(waiting, places) {
                values.append(projectID)
                values.append(item.externalID)
                values.append(BorrowedBytes(bytes, place.input, isText: true))
                values.append(BorrowedBytes(bytes, place.hash, isText: false))
                values.append(item.suggestions)
                values.append(importID)
                values.append(now)
            }
            try statement(rows: waiting.count).run(values: values)
        }
        imported += db.changesCount
        duplicates += waiting.count - db.changesCount
        waiting.removeAll(keepingCapacity: true)
    }

    private func statement(rows: Int) throws -> Statement {
        if let statement = inserts[rows] { return statement }
        let statement = try db.makeStatement(sql: """
            INSERT OR IGNORE INTO items (project_id, external_id, input, input_hash, suggestions, import_id, created_at)
            VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
            """)
        inserts[rows] = statement
        return statement
    }

    private func insert(annotated item: ImportedItem) throws {
        try statement(rows: 1).run(projectID, item.externalID, item.input, item.dedupHash, item.suggestions, importID, now)
        let inserted = db.changesCount > 0
        if inserted { imported += 1 } else { duplicates += 1 }
        let itemID = inserted ? db.lastInsertedRowID : try Int64.fetchOne(findItem, arguments: [projectID, Data(item.dedupHash.bytes)])!
        if let kind = goldFor, let answer = Self.gold(of: item, kind: kind) {
            try db.execute(sql: """
                INSERT INTO gold (item_id, resolution, source, decided_by, decided_at) VALUES (?, ?, 'imported', ?, ?)
                ON CONFLICT (item_id) DO UPDATE SET resolution = excluded.resolution, source = excluded.source,
                    decided_by = excluded.decided_by, decided_at = excluded.decided_at
                """, arguments: [itemID, answer.json.jsonText, userID, now])
            golds += 1
        }
        for annotation in item.annotations {
            let userID = try user(annotation)
            let labels = annotation.labels.isEmpty ? nil : JSONValue.array(annotation.labels.map { .string($0) }).jsonText
            let spans = annotation.spans.isEmpty ? nil : JSONValue.array(annotation.spans.map(\.json)).jsonText
            let status = annotation.skipped ? "skipped" : "submitted"
            let created = annotation.createdAt ?? now
            try db.execute(sql: """
                INSERT INTO annotations (item_id, annotator_id, status, labels, spans, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id, annotator_id) DO NOTHING
                """, arguments: [itemID, userID, status, labels, spans, created, now])
            guard db.changesCount > 0 else { continue }
            let annotationID = db.lastInsertedRowID
            try AppDatabase.countAnswer(db, itemID: itemID, projectID: projectID, annotatorID: userID, from: nil,
                                        to: annotation.skipped ? .skipped : .submitted)
            let after: JSONValue = ["status": .string(status), "labels": annotation.labels.isEmpty ? .null : .array(annotation.labels.map { .string($0) }),
                                    "spans": .array(annotation.spans.map(\.json)), "source": "import"]
            try db.execute(sql: "INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at) VALUES (?, ?, 'import', NULL, ?, ?)",
                           arguments: [annotationID, userID, after.jsonText, now])
            annotations += 1
        }
    }

    /// The answer a record brings as gold: its labels, its spans, or its conversation (whose final assistant turn
    /// is the answer); nil when it brings none.
    static func gold(of item: ImportedItem, kind: ProjectKind) -> Answer? {
        switch kind {
        case .classify: return item.suggestedLabels.isEmpty ? nil : .labels(item.suggestedLabels)
        case .spans: return .spans(item.suggestedSpans)
        case .chat:
            guard let messages = (try? JSONParser.parse(item.input))?["messages"]?.arrayValue,
                  messages.last?["role"]?.stringValue == "assistant" else { return nil }
            return .conversation(messages)
        }
    }

    /// The annotator's account: the user the import maps the file's name to, else an account named for the source,
    /// created disabled (no password) when new. An existing account of that name is taken only if an earlier import
    /// made it (disabled, no password); a real account of that name gets a numbered one beside it instead.
    private func user(_ annotation: ImportedAnnotation) throws -> Int64 {
        let key = annotation.sourceName.isEmpty ? annotation.username : "=" + annotation.sourceName
        if let id = users[key] { return id }
        let id: Int64
        if !annotation.sourceName.isEmpty, let mapped = annotatorMap[annotation.sourceName] {
            guard let existing = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE username = ?", arguments: [mapped]) else {
                throw StoreError(.invalid, "the annotator map sends \(annotation.sourceName) to \(mapped), who is not a user: add them first (quorum user add)")
            }
            id = existing
        } else {
            var name = annotation.username
            var n = 2
            while true {
                let row = try Row.fetchOne(db, sql: "SELECT id, password_hash IS NULL AND disabled AS imported FROM users WHERE username = ?", arguments: [name])
                guard let row else {
                    id = try AppDatabase.insertUser(db, username: name, displayName: annotation.displayName,
                                                    role: .annotator, passwordHash: nil, disabled: true).id
                    break
                }
                if row["imported"] as Bool { id = row["id"]; break }
                name = "\(annotation.username)-\(n)"
                n += 1
            }
        }
        try db.execute(sql: "INSERT OR IGNORE INTO project_members (project_id, user_id) VALUES (?, ?)", arguments: [projectID, id])
        users[key] = id
        return id
    }
}
