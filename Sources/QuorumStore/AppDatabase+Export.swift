import GRDB
import QuorumCore

extension AppDatabase {
    /// Every item of a project (`answeredOnly`: those with a submitted answer or gold) with its submitted answers
    /// and gold, in item order, `batchSize` at a time, all read from one snapshot (annotators may keep saving
    /// meanwhile; the export sees the data as it was when it began).
    /// `withInputs` false leaves each item's input empty, for work that needs only the answers.
    public func forEachStoredItem(in project: Project, answeredOnly: Bool = false, withInputs: Bool = true, batchSize: Int = 4_096,
                                  _ body: ([StoredItem]) throws -> Void) throws {
        try writer.read { db in
            // Both queries walk the items in rowid order (`+project_id` keeps SQLite from sorting through another
            // index) and the answers through their (item, annotator) index: no temporary sort of every row.
            // User names from one small table read, rather than a join on every answer.
            var names = StoredItemStream.UserNames()
            try db.makeStatement(sql: "SELECT id, username FROM users").forEachRow { row in names.add(id: row.int64(0), name: row.string(1) ?? "") }
            // Read column by column straight from SQLite (`DirectRows`): hundreds of thousands of rows.
            let items = try db.makeStatement(sql: """
                SELECT i.id, i.external_id, \(withInputs ? "i.input" : "'{}'"), i.split, g.resolution, g.source, g.decided_by,
                    \(project.kind == .watch ? "(SELECT c.messages FROM watch_corrections c WHERE c.item_id = i.id)"
                                             : "CASE WHEN i.suggestion_withheld THEN NULL ELSE json_extract(i.model_suggestion, '$.messages') END")
                FROM items i LEFT JOIN gold g ON g.item_id = i.id
                WHERE +i.project_id = ?1 AND \(Self.published("?1"))\(answeredOnly ? " AND (i.submitted > 0 OR g.item_id IS NOT NULL)" : "")
                ORDER BY i.id
                """).rows(project.id)
            let answers = try db.makeStatement(sql: """
                SELECT a.item_id, a.id, a.annotator_id, a.decision, a.labels, a.spans, a.messages
                FROM items i CROSS JOIN annotations a ON a.item_id = i.id
                WHERE +i.project_id = ?\(answeredOnly ? " AND i.submitted > 0" : "") AND a.status = 'submitted' ORDER BY i.id
                """).rows(project.id)
            try StoredItemStream(names: names, batchSize: batchSize).forEach(items: {
                try items.next().map { row in
                    StoredItemStream.ItemColumns(id: row.int64(0), externalID: row.string(1), input: row.string(2), split: row.string(3),
                                                 goldResolution: row.string(4), goldSource: row.string(5),
                                                 goldDecidedBy: row.isNull(6) ? nil : row.int64(6), draft: row.string(7))
                }
            }, answers: {
                try answers.next().map { row in
                    StoredItemStream.AnswerColumns(itemID: row.int64(0), answerID: row.int64(1), annotator: row.int64(2), decision: row.string(3),
                                                   labels: row.string(4), spans: row.string(5), messages: row.string(6))
                }
            }, body)
        }
    }

    public func answeredItems(in project: Project) throws -> [StoredItem] {
        try readAnsweredItems(in: project)
    }
}

extension ExportStore {
    /// The items with answers or gold, all at once (for agreement and review). Classify answers need no input.
    func readAnsweredItems(in project: Project) throws -> [StoredItem] {
        var all: [StoredItem] = []
        try forEachStoredItem(in: project, answeredOnly: true, withInputs: project.kind != .classify) { all.append(contentsOf: $0) }
        return all
    }
}

extension AppDatabase {

    /// Keeps the items `plan` drew in the hold-out set for good (an export's draw, or `quorum holdout`'s).
    public func holdOut(_ plan: ExportPlan, in project: Project) throws {
        try writer.write { db in try Self.holdOut(db, plan, in: project) }
    }

    /// Refused (`ExportError.holdoutChanged`) when the set is no longer what the plan read: another draw came between.
    static func holdOut(_ db: Database, _ plan: ExportPlan, in project: Project) throws {
        let held = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE project_id = ? AND split = 'holdout'", arguments: [project.id]) ?? 0
        guard held == plan.heldOutBefore else { throw ExportError.holdoutChanged(expected: plan.heldOutBefore, found: held) }
        let itemIDs = plan.newlyHeldOut
        for chunk in stride(from: 0, to: itemIDs.count, by: 500) {
            let ids = itemIDs[chunk..<min(chunk + 500, itemIDs.count)]
            try db.execute(sql: "UPDATE items SET split = 'holdout' WHERE project_id = ? AND id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                           arguments: StatementArguments([project.id] + ids.map { $0 as any DatabaseValueConvertible }))
        }
    }

    /// Keeps the items drawn into the hold-out set there for good, and records the export, in one transaction.
    /// `sideFiles`: the names of the files a trainer needs beside the data (`TrainerConfig`), listed with the data's.
    public func recordExport(of project: Project, settings: ExportSettings, report: ExportReport, directory: String, by user: User?,
                             sideFiles: [String] = []) throws -> Int64 {
        try writer.write { db in
            try Self.holdOut(db, report.plan, in: project)
            let columns = Self.exportColumns(report: report, directory: directory, sideFiles: sideFiles)
            try db.execute(sql: """
                INSERT INTO exports (project_id, format, settings, counts, files, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [project.id, settings.format.rawValue, settings.json.jsonText, columns.counts, columns.files, user?.id, Self.timestamp()])
            return db.lastInsertedRowID
        }
    }

    /// An export's `counts` and `files` columns (JSON), as either database keeps them.
    static func exportColumns(report: ExportReport, directory: String, sideFiles: [String]) -> (counts: String, files: String) {
        let count = report.count
        let counts: JSONValue = ["items": .int(report.plan.items), "train": .int(count.train), "validation": .int(count.validation),
                                 "holdout": .int(count.holdout), "excluded": .int(report.plan.excluded.count)]
        let files: JSONValue = ["directory": .string(directory), "files": .array(report.files.map {
            ["name": .string($0.name), "lines": .int($0.lines), "bytes": .int($0.bytes), "sha256": .string($0.sha256)]
        } + sideFiles.map { ["name": .string($0)] })]
        return (counts.jsonText, files.jsonText)
    }

    /// The columns `exportRecord` reads, in its order.
    static let exportRecordColumns = "e.id, e.project_id, e.format, e.settings, e.counts, e.files, u.username, e.created_at"

    /// A project's exports, newest first.
    public func exports(of project: Project) throws -> [ExportRecord] {
        try writer.read { db in
            var records: [ExportRecord] = []
            try db.makeStatement(sql: """
                SELECT \(Self.exportRecordColumns) FROM exports e LEFT JOIN users u ON u.id = e.user_id WHERE e.project_id = ? ORDER BY e.id DESC
                """).forEachRow(project.id) { records.append(Self.exportRecord($0)) }
            return records
        }
    }

    public func export(id: Int64) throws -> ExportRecord? {
        try writer.read { db in
            try db.makeStatement(sql: "SELECT \(Self.exportRecordColumns) FROM exports e LEFT JOIN users u ON u.id = e.user_id WHERE e.id = ?")
                .firstRow(id, read: Self.exportRecord)
        }
    }

    static func exportRecord(_ row: some StoredColumns) -> ExportRecord {
        func parse(_ column: Int32) -> JSONValue { row.string(column).flatMap { try? JSONParser.parse($0) } ?? .object([]) }
        let files = parse(5)
        return ExportRecord(id: row.int64(0), projectID: row.int64(1), format: row.string(2) ?? "", settings: parse(3),
                            counts: parse(4), directory: files["directory"]?.stringValue ?? "",
                            files: files["files"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [],
                            username: row.string(6), createdAt: row.string(7) ?? "")
    }
}
