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
        let (conditions, values) = Self.itemConditions(in: project, matching: filter, after: after) { _ in "?" }
        let arguments = values.map { value -> any DirectValue in
            switch value {
            case .number(let number): number
            case .text(let text): text
            }
        } + [Int64(limit)]
        return try writer.read { db in
            var found: [ItemListing] = []
            try db.makeStatement(sql: """
                SELECT i.id, i.external_id, i.input, i.submitted, i.split, g.source
                FROM items i LEFT JOIN gold g ON g.item_id = i.id
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.id LIMIT ?
                """).forEachRow(values: arguments) { found.append(Self.listing($0)) }
            return found
        }
    }

    /// A value for a statement's parameter, whichever the database.
    enum BoundValue {
        case number(Int64)
        case text(String)
    }

    /// The conditions on `items i` (joined by AND) that pick a project's items matching `filter` after `after`, with
    /// the values of their parameters in order; `placeholder(n)` writes the n-th (from 1) in the database's words.
    static func itemConditions(in project: Project, matching filter: ItemFilter, after: Int64?,
                               placeholder: (Int) -> String) -> (conditions: [String], values: [BoundValue]) {
        var values: [BoundValue] = []
        func bind(_ value: BoundValue) -> String {
            values.append(value)
            return placeholder(values.count)
        }
        var conditions = ["i.project_id = \(bind(.number(project.id)))", "i.id > \(bind(.number(after ?? 0)))",
                          published(bind(.number(project.id)))]
        if let text = filter.text {
            // The stored input is JSON: search it as written there, so quotes and backslashes match their escapes.
            // Letters' case ignored, as SQLite's LIKE does (ILIKE on PostgreSQL).
            let pattern = likePattern(String(JSONValue.string(text).jsonText.dropFirst().dropLast()))
            conditions.append("i.input \(placeholder(0) == "?" ? "LIKE" : "ILIKE") \(bind(.text(pattern))) ESCAPE '\\'")
        }
        if let label = filter.label {
            let pattern = likePattern(JSONValue.string(label).jsonText)
            conditions.append("""
                (EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.status = 'submitted'
                         AND (a.labels LIKE \(bind(.text(pattern))) OR a.spans LIKE \(bind(.text(pattern)))))
                 OR EXISTS (SELECT 1 FROM gold g WHERE g.item_id = i.id AND g.resolution LIKE \(bind(.text(pattern)))))
                """)
        }
        if let annotator = filter.annotator {
            conditions.append("EXISTS (SELECT 1 FROM annotations a JOIN users u ON u.id = a.annotator_id WHERE a.item_id = i.id AND u.username = \(bind(.text(annotator))))")
        }
        let perItem = Int64(project.annotatorsPerItem)
        switch filter.state {
        case nil: break
        case .open?: conditions.append("i.submitted = 0")
        case .partial?: conditions.append("i.submitted > 0 AND i.submitted < \(bind(.number(perItem)))")
        case .complete?: conditions.append("i.submitted >= \(bind(.number(perItem)))")
        case .gold?: conditions.append("EXISTS (SELECT 1 FROM gold g WHERE g.item_id = i.id)")
        case .disagreement?:
            conditions.append("""
                i.submitted >= 2 AND (SELECT COUNT(DISTINCT COALESCE(a.decision, '') || COALESCE(a.labels, '[]') || COALESCE(a.spans, '[]') || COALESCE(a.messages, ''))
                                      FROM annotations a WHERE a.item_id = i.id AND a.status = 'submitted') > 1
                """)
        }
        return (conditions, values)
    }

    /// A row of `id, external_id, input, submitted, split, gold source` as a list shows it.
    static func listing(_ row: some StoredColumns) -> ItemListing {
        let input = row.string(2).flatMap { try? JSONParser.parse($0) } ?? .null
        return ItemListing(id: row.int64(0), externalID: row.string(1), excerpt: excerpt(of: input), submitted: row.int(3),
                           gold: row.string(5), split: row.string(4))
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
            var events: [JSONValue] = []
            try db.makeStatement(sql: """
                SELECT e.action, e.before, e.after, e.at, u.username, o.username
                FROM annotation_events e JOIN annotations a ON a.id = e.annotation_id
                JOIN users u ON u.id = e.user_id JOIN users o ON o.id = a.annotator_id
                WHERE a.item_id = ? ORDER BY e.id
                """).forEachRow(item.id) { events.append(Self.event($0)) }
            return events
        }
    }

    /// A row of `action, before, after, at, by, annotator` as the history shows it.
    static func event(_ row: some StoredColumns) -> JSONValue {
        func parsed(_ text: String?) -> JSONValue { text.flatMap { try? JSONParser.parse($0) } ?? .null }
        return ["action": .string(row.string(0) ?? ""), "by": .string(row.string(4) ?? ""), "annotator": .string(row.string(5) ?? ""),
                "at": .string(row.string(3) ?? ""), "before": parsed(row.string(1)), "after": parsed(row.string(2))]
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
