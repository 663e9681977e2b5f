import GRDB
import QuorumCore

extension AppDatabase {
    /// Every item of a project (`answeredOnly`: those with a submitted answer or gold) with its submitted answers
    /// and gold, in item order, `batchSize` at a time, all read from one snapshot (annotators may keep saving
    /// meanwhile; the export sees the data as it was when it began).
    public func forEachStoredItem(in project: Project, answeredOnly: Bool = false, batchSize: Int = 4_096,
                                  _ body: ([StoredItem]) throws -> Void) throws {
        try writer.read { db in
            let items = try Row.fetchCursor(db, sql: """
                SELECT i.id, i.external_id, i.input, i.split, g.resolution, g.source, u.username AS decided_by
                FROM items i LEFT JOIN gold g ON g.item_id = i.id LEFT JOIN users u ON u.id = g.decided_by
                WHERE i.project_id = ?\(answeredOnly ? " AND (i.submitted > 0 OR g.item_id IS NOT NULL)" : "") ORDER BY i.id
                """, arguments: [project.id])
            // The answers, in the same item order, read alongside: one pass over each table.
            let answers = try Row.fetchCursor(db, sql: """
                SELECT a.item_id, u.username, a.decision, a.labels, a.spans, a.messages
                FROM annotations a JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id
                WHERE i.project_id = ? AND a.status = 'submitted' ORDER BY a.item_id, a.id
                """, arguments: [project.id])
            var pending = try answers.next().map(Self.storedAnswer)
            var batch: [StoredItem] = []
            batch.reserveCapacity(batchSize)
            while let row = try items.next() {
                let id: Int64 = row["id"]
                var given: [StoredItem.StoredAnswer] = []
                while let (itemID, answer) = pending, itemID <= id {
                    if itemID == id { given.append(answer) }
                    pending = try answers.next().map(Self.storedAnswer)
                }
                let gold = (row["resolution"] as String?).map {
                    StoredItem.StoredGold(resolution: $0, source: row["source"], decidedBy: row["decided_by"])
                }
                batch.append(StoredItem(itemID: id, externalID: row["external_id"], input: row["input"],
                                          heldOut: (row["split"] as String?) == "holdout", answers: given, gold: gold))
                if batch.count == batchSize {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(batch) }
        }
    }

    /// The items with answers or gold, all at once (for agreement and review).
    public func answeredItems(in project: Project) throws -> [StoredItem] {
        var all: [StoredItem] = []
        try forEachStoredItem(in: project, answeredOnly: true) { all.append(contentsOf: $0) }
        return all
    }

    private static func storedAnswer(_ row: Row) -> (Int64, StoredItem.StoredAnswer) {
        (row["item_id"], StoredItem.StoredAnswer(annotator: row["username"], decision: row["decision"], labels: row["labels"],
                                                   spans: row["spans"], messages: row["messages"]))
    }

    /// How many of the project's items earlier exports held out.
    public func heldOutCount(in project: Project) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE project_id = ? AND split = 'holdout'", arguments: [project.id]) ?? 0
        }
    }

    /// Keeps the items drawn into the hold-out set there for good, and records the export, in one transaction.
    public func recordExport(of project: Project, settings: ExportSettings, report: ExportReport, directory: String, by user: User?) throws -> Int64 {
        try writer.write { db in
            for chunk in stride(from: 0, to: report.plan.newlyHeldOut.count, by: 500) {
                let ids = report.plan.newlyHeldOut[chunk..<min(chunk + 500, report.plan.newlyHeldOut.count)]
                try db.execute(sql: "UPDATE items SET split = 'holdout' WHERE project_id = ? AND id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                               arguments: StatementArguments([project.id] + ids.map { $0 as any DatabaseValueConvertible }))
            }
            let count = report.count
            let counts: JSONValue = ["items": .int(report.plan.items), "train": .int(count.train), "validation": .int(count.validation),
                                     "holdout": .int(count.holdout), "excluded": .int(report.plan.excluded.count)]
            let files: JSONValue = ["directory": .string(directory), "files": .array(report.files.map {
                ["name": .string($0.name), "lines": .int($0.lines), "bytes": .int($0.bytes), "sha256": .string($0.sha256)]
            })]
            try db.execute(sql: """
                INSERT INTO exports (project_id, format, settings, counts, files, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [project.id, settings.format.rawValue, settings.json.jsonText, counts.jsonText, files.jsonText, user?.id, Self.timestamp()])
            return db.lastInsertedRowID
        }
    }

    /// A project's exports, newest first.
    public func exports(of project: Project) throws -> [ExportRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.*, u.username FROM exports e LEFT JOIN users u ON u.id = e.user_id WHERE e.project_id = ? ORDER BY e.id DESC
                """, arguments: [project.id]).map(Self.exportRecord)
        }
    }

    public func export(id: Int64) throws -> ExportRecord? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT e.*, u.username FROM exports e LEFT JOIN users u ON u.id = e.user_id WHERE e.id = ?", arguments: [id])
                .map(Self.exportRecord)
        }
    }

    private static func exportRecord(_ row: Row) -> ExportRecord {
        func parse(_ column: String) -> JSONValue { (try? JSONParser.parse(row[column] as String)) ?? .object([]) }
        let files = parse("files")
        return ExportRecord(id: row["id"], projectID: row["project_id"], format: row["format"], settings: parse("settings"),
                            counts: parse("counts"), directory: files["directory"]?.stringValue ?? "",
                            files: files["files"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [],
                            username: row["username"], createdAt: row["created_at"])
    }
}
