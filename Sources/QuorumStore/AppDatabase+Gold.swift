import GRDB
import QuorumCore

extension AppDatabase {
    /// Sets an item's gold answer (it wins over the annotators' answers in every export), or replaces it.
    public func setGold(_ answer: Answer, for item: Item, source: GoldAnswer.Source, by user: User?) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO gold (item_id, resolution, source, decided_by, decided_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (item_id) DO UPDATE SET resolution = excluded.resolution, source = excluded.source,
                    decided_by = excluded.decided_by, decided_at = excluded.decided_at
                """, arguments: [item.id, answer.json.jsonText, source.rawValue, user?.id, Self.timestamp()])
        }
    }

    /// Removes an item's gold answer; says whether there was one.
    public func removeGold(for item: Item) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM gold WHERE item_id = ?", arguments: [item.id])
            return db.changesCount > 0
        }
    }

    /// An item's gold answer as stored (`{"answer", "source", "decided_by", "decided_at"}`), if it has one.
    public func gold(for item: Item) throws -> JSONValue? {
        try writer.read { db in
            try db.makeStatement(sql: """
                SELECT g.resolution, g.source, u.username, g.decided_at FROM gold g LEFT JOIN users u ON u.id = g.decided_by WHERE g.item_id = ?
                """).firstRow(item.id, read: Self.gold)
        }
    }

    /// A row of `resolution, source, decided_by's name, decided_at` as `gold(for:)` gives it.
    static func gold(_ row: some StoredColumns) -> JSONValue {
        ["answer": row.string(0).flatMap { try? JSONParser.parse($0) } ?? .null, "source": .string(row.string(1) ?? ""),
         "decided_by": row.string(2).map { .string($0) } ?? .null, "decided_at": .string(row.string(3) ?? "")]
    }
}

extension AppDatabase {
    /// Makes agreed answers gold when the project allows it (its `autoGold` rule), in one transaction; returns how
    /// many items became gold. A lead's own gold is never replaced.
    public func promoteAgreedAnswers(in project: Project) throws -> Int {
        guard let rule = project.autoGold else { return 0 }
        let agreed = ReviewQueue.agreedAnswers(project: project, items: try answeredItems(in: project), rule: rule)
        guard !agreed.isEmpty else { return 0 }
        let now = Self.timestamp()
        return try writer.write { db in
            var added = 0
            for (itemID, answer, source) in agreed {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO gold (item_id, resolution, source, decided_by, decided_at) VALUES (?, ?, ?, NULL, ?)
                    """, arguments: [itemID, answer.json.jsonText, source.rawValue, now])
                added += db.changesCount
            }
            return added
        }
    }
}
