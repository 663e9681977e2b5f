import GRDB
import QuorumCore

/// What the lead's items page asks for: words in the text, a label given by anyone, a state, an annotator.
public struct ItemFilter: Sendable {
    public enum State: String, Sendable, CaseIterable {
        /// No submitted answer yet.
        case open
        /// Some answers, fewer than the project asks for.
        case partial
        /// As many submitted answers as the project asks for, or more.
        case complete
        /// A gold answer decided (by a lead, or by agreement).
        case gold
        /// Answered by two or more people who do not all agree (labels, spans or final answer).
        case disagreement
    }

    public var text: String?
    public var label: String?
    public var state: State?
    public var annotator: String?

    public init(text: String? = nil, label: String? = nil, state: State? = nil, annotator: String? = nil) {
        self.text = text.flatMap { $0.isEmpty ? nil : $0 }
        self.label = label.flatMap { $0.isEmpty ? nil : $0 }
        self.state = state
        self.annotator = annotator.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// One row of the items page.
public struct ItemListing: Sendable {
    public var id: Int64
    public var externalID: String?
    /// The start of the text (or of the last user turn).
    public var excerpt: String
    public var submitted: Int
    public var gold: String?
    public var split: String?

    public var json: JSONValue {
        ["id": .number(String(id)), "external_id": externalID.map { .string($0) } ?? .null, "excerpt": .string(excerpt),
         "submitted": .int(submitted), "gold": gold.map { .string($0) } ?? .null, "split": split.map { .string($0) } ?? .null]
    }
}

extension AppDatabase {
    /// The item a lead who is not a member sees on the annotate page: the first after `after` that still needs
    /// answers. Read only: looking takes no lease and no slot.
    public func previewItem(in project: Project, after: Int64?) throws -> Item? {
        try writer.read { db in
            try db.cachedStatement(sql: """
                SELECT \(Self.itemColumns) FROM items i WHERE i.project_id = ?1 AND i.id > ?2 AND i.taken < ?3 AND \(Self.published("?1"))
                ORDER BY i.id LIMIT 1
                """).firstRow(project.id, after ?? 0, project.annotatorsPerItem, read: ItemRow.init)?.item
        }
    }

    /// A page of a project's items matching `filter`, in id order after `after` (keyset paging: as fast on the
    /// thousandth page of a million items as on the first).
    public func items(in project: Project, matching filter: ItemFilter, after: Int64?, limit: Int) throws -> [ItemListing] {
        var conditions = ["i.project_id = ?", "i.id > ?", Self.published("?")]
        var arguments: StatementArguments = [project.id, after ?? 0, project.id]
        if let text = filter.text {
            // The stored input is JSON: search it as written there, so quotes and backslashes match their escapes.
            conditions.append("i.input LIKE ? ESCAPE '\\'")
            arguments += [Self.likePattern(String(JSONValue.string(text).jsonText.dropFirst().dropLast()))]
        }
        if let label = filter.label {
            conditions.append("""
                (EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.status = 'submitted' AND (a.labels LIKE ? OR a.spans LIKE ?))
                 OR EXISTS (SELECT 1 FROM gold g WHERE g.item_id = i.id AND g.resolution LIKE ?))
                """)
            let pattern = Self.likePattern(JSONValue.string(label).jsonText)
            arguments += [pattern, pattern, pattern]
        }
        if let annotator = filter.annotator {
            conditions.append("EXISTS (SELECT 1 FROM annotations a JOIN users u ON u.id = a.annotator_id WHERE a.item_id = i.id AND u.username = ?)")
            arguments += [annotator]
        }
        switch filter.state {
        case nil: break
        case .open?: conditions.append("i.submitted = 0")
        case .partial?: conditions.append("i.submitted > 0 AND i.submitted < ?"); arguments += [project.annotatorsPerItem]
        case .complete?: conditions.append("i.submitted >= ?"); arguments += [project.annotatorsPerItem]
        case .gold?: conditions.append("EXISTS (SELECT 1 FROM gold g WHERE g.item_id = i.id)")
        case .disagreement?:
            conditions.append("""
                i.submitted >= 2 AND (SELECT COUNT(DISTINCT COALESCE(a.decision, '') || COALESCE(a.labels, '[]') || COALESCE(a.spans, '[]') || COALESCE(a.messages, ''))
                                      FROM annotations a WHERE a.item_id = i.id AND a.status = 'submitted') > 1
                """)
        }
        arguments += [limit]
        return try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, i.external_id, i.input, i.submitted, i.split, g.source AS gold
                FROM items i LEFT JOIN gold g ON g.item_id = i.id
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.id LIMIT ?
                """, arguments: arguments).map { row in
                let input = (try? JSONParser.parse(row["input"] as String)) ?? .null
                return ItemListing(id: row["id"], externalID: row["external_id"], excerpt: Self.excerpt(of: input),
                                   submitted: row["submitted"], gold: row["gold"], split: row["split"])
            }
        }
    }

    static func likePattern(_ text: String) -> String {
        "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    static func excerpt(of input: JSONValue) -> String {
        let text = input["text"]?.stringValue
            ?? input["messages"]?.arrayValue?.last(where: { $0["role"]?.stringValue == "user" })?["content"]?.stringValue ?? ""
        return text.count > 140 ? String(text.prefix(139)) + "…" : text
    }

    /// Every change to an item's answers, oldest first: who, when, what it was and what it became.
    public func history(of item: Item) throws -> [JSONValue] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.action, e.before, e.after, e.at, u.username, o.username AS annotator
                FROM annotation_events e JOIN annotations a ON a.id = e.annotation_id
                JOIN users u ON u.id = e.user_id JOIN users o ON o.id = a.annotator_id
                WHERE a.item_id = ? ORDER BY e.id
                """, arguments: [item.id]).map { row in
                func parsed(_ text: String?) -> JSONValue { text.flatMap { try? JSONParser.parse($0) } ?? .null }
                return ["action": .string(row["action"]), "by": .string(row["username"]), "annotator": .string(row["annotator"]),
                        "at": .string(row["at"]), "before": parsed(row["before"]), "after": parsed(row["after"])]
            }
        }
    }

    /// The split an export or a hold-out draw put the item in, if any.
    public func split(of item: Item) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT split FROM items WHERE id = ?", arguments: [item.id]) }
    }

    /// Whether the user has submitted (or skipped) an answer to the item: then they may see its gold and comments.
    public func hasAnswered(_ item: Item, by user: User) throws -> Bool {
        try writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM annotations WHERE item_id = ? AND annotator_id = ? AND status = 'submitted'",
                              arguments: [item.id, user.id]) ?? false
        }
    }
}
