import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    static func item(_ row: Row) -> Item {
        let input = (try? JSONParser.parse(row["input"] as String)) ?? .null
        let suggestions = (row["suggestions"] as String?).flatMap { try? JSONParser.parse($0) } ?? .object([])
        return Item(id: row["id"], projectID: row["project_id"], externalID: row["external_id"], input: input, suggestions: suggestions)
    }

    static func annotation(_ row: Row, annotator: User) -> Annotation {
        let labels = (row["labels"] as String?).flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue) ?? []
        let spans = (row["spans"] as String?).flatMap { try? JSONParser.parse($0) } ?? .array([])
        let messages = (row["messages"] as String?).flatMap { try? JSONParser.parse($0) }
        return Annotation(id: row["id"], itemID: row["item_id"], annotator: annotator,
                          status: AnnotationStatus(rawValue: row["status"]) ?? .draft,
                          decision: (row["decision"] as String?).flatMap(Decision.init(rawValue:)), labels: labels, spans: spans,
                          messages: messages, note: row["note"], version: row["version"], secondsSpent: row["seconds_spent"],
                          updatedAt: row["updated_at"])
    }

    public func item(id: Int64) throws -> (Item, Project)? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM items WHERE id = ?"), arguments: [id]),
                  let project = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM projects WHERE id = ?"), arguments: [row["project_id"] as Int64]) else { return nil }
            return (Self.item(row), Self.project(project))
        }
    }

    /// The next item for `annotator`: their open draft first, then an item they hold a lease on, then the
    /// first item that still has a free slot (fewer than `annotatorsPerItem` answers and leases by others)
    /// and that they have not answered or skipped. Taking it leases it for `lease` seconds, in the same
    /// transaction, so two annotators asking at once never take the same slot.
    public func nextItem(in project: Project, for annotator: User, lease: TimeInterval = 600) throws -> (Item, Annotation?)? {
        try writer.write { db in
            let now = Self.timestamp()
            try db.cachedStatement(sql: "DELETE FROM leases WHERE expires_at < ?").execute(arguments: [now])
            if let draft = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT a.* FROM annotations a JOIN items i ON i.id = a.item_id
                WHERE i.project_id = ? AND a.annotator_id = ? AND a.status = 'draft' ORDER BY a.updated_at LIMIT 1
                """), arguments: [project.id, annotator.id]) {
                let item = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM items WHERE id = ?"), arguments: [draft["item_id"] as Int64])!
                return (Self.item(item), Self.annotation(draft, annotator: annotator))
            }
            let expires = Self.timestamp(Date().addingTimeInterval(lease))
            if let held = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT i.* FROM leases l CROSS JOIN items i ON i.id = l.item_id
                WHERE i.project_id = ? AND l.annotator_id = ?
                  AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = ?)
                ORDER BY i.id LIMIT 1
                """), arguments: [project.id, annotator.id, annotator.id]) {
                try db.cachedStatement(sql: "UPDATE leases SET expires_at = ? WHERE item_id = ? AND annotator_id = ?")
                               .execute(arguments: [expires, held["id"] as Int64, annotator.id])
                return (Self.item(held), nil)
            }
            // Items nearest to complete first (so answers for agreement arrive together), then in import order:
            // the order of the `items_open` index, so this is a seek, not a scan.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT i.* FROM items i INDEXED BY items_open
                WHERE i.project_id = ?1 AND i.taken < ?3
                  AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = ?2)
                  AND i.taken + (SELECT COUNT(*) FROM leases l WHERE l.item_id = i.id AND l.annotator_id != ?2) < ?3
                ORDER BY i.taken DESC, i.id LIMIT 1
                """), arguments: [project.id, annotator.id, project.annotatorsPerItem]) else { return nil }
            let item = Self.item(row)
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO leases (item_id, annotator_id, expires_at) VALUES (?, ?, ?)")
                           .execute(arguments: [item.id, annotator.id, expires])
            return (item, nil)
        }
    }

    /// Stores an annotator's answer for an item, if `input.version` is the version they last saw
    /// (0 for a first answer); otherwise a conflict, and nothing changes. Every change is kept in
    /// `annotation_events` with what it was before.
    public func saveAnnotation(_ input: AnnotationInput, item: Item, by annotator: User) throws -> Annotation {
        try writer.write { db in
            let now = Self.timestamp()
            let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM annotations WHERE item_id = ? AND annotator_id = ?"),
                                            arguments: [item.id, annotator.id])
            let current = existing.map { Self.annotation($0, annotator: annotator) }
            guard (current?.version ?? 0) == input.version else {
                throw StoreError(.conflict, "this answer was saved elsewhere since (version \(current?.version ?? 0), you sent \(input.version)): reload it")
            }
            let labels = JSONValue.array(input.labels.map { .string($0) }).jsonText
            let spans = JSONValue.array(input.spans.map(\.json)).jsonText
            let messages = input.messages?.jsonText
            let id: Int64
            if let current {
                try db.cachedStatement(sql: """
                    UPDATE annotations SET status = ?, decision = ?, labels = ?, spans = ?, messages = ?, note = ?,
                        seconds_spent = seconds_spent + ?, version = version + 1, updated_at = ? WHERE id = ?
                    """).execute(arguments: [input.status.rawValue, input.decision?.rawValue, labels, spans, messages, input.note,
                                     input.secondsSpent, now, current.id])
                id = current.id
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO annotations (item_id, annotator_id, status, decision, labels, spans, messages, note, seconds_spent,
                        version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                    """).execute(arguments: [item.id, annotator.id, input.status.rawValue, input.decision?.rawValue, labels, spans, messages,
                                     input.note, input.secondsSpent, now, now])
                id = db.lastInsertedRowID
            }
            if input.status != .draft {
                try db.cachedStatement(sql: "DELETE FROM leases WHERE item_id = ? AND annotator_id = ?").execute(arguments: [item.id, annotator.id])
            }
            let stored = Self.annotation(try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM annotations WHERE id = ?"), arguments: [id])!, annotator: annotator)
            try db.cachedStatement(sql: "INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at) VALUES (?, ?, ?, ?, ?, ?)")
                           .execute(arguments: [id, annotator.id, current == nil ? "create" : "update", current?.json.jsonText, stored.json.jsonText, now])
            return stored
        }
    }

    /// Every annotator's answer for an item (for leads; annotators never see others' answers).
    public func annotations(itemID: Int64) throws -> [Annotation] {
        try writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.*, u.id AS uid, u.username, u.display_name, u.role, u.disabled, u.created_at AS ucreated
                FROM annotations a JOIN users u ON u.id = a.annotator_id WHERE a.item_id = ? ORDER BY a.id
                """), arguments: [itemID]).map { row in
                let user = User(id: row["uid"], username: row["username"], displayName: row["display_name"],
                                role: UserRole(rawValue: row["role"]) ?? .annotator, disabled: row["disabled"], createdAt: row["ucreated"])
                return Self.annotation(row, annotator: user)
            }
        }
    }

    /// The annotator's own answer for an item, if any.
    public func annotation(itemID: Int64, by annotator: User) throws -> Annotation? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM annotations WHERE item_id = ? AND annotator_id = ?"), arguments: [itemID, annotator.id])
                .map { Self.annotation($0, annotator: annotator) }
        }
    }

    /// The items the annotator has answered in a project, oldest first (to go back and correct them).
    public func answeredItems(in project: Project, by annotator: User) throws -> [Int64] {
        try writer.read { db in
            try Int64.fetchAll(db.cachedStatement(sql: """
                SELECT a.item_id FROM annotations a JOIN items i ON i.id = a.item_id
                WHERE i.project_id = ? AND a.annotator_id = ? AND a.status != 'draft' ORDER BY a.created_at, a.id
                """), arguments: [project.id, annotator.id])
        }
    }

    /// How many items the annotator has submitted in a project.
    public func submittedCount(in project: Project, by annotator: User) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT COUNT(*) FROM annotations a JOIN items i ON i.id = a.item_id
                WHERE i.project_id = ? AND a.annotator_id = ? AND a.status = 'submitted'
                """), arguments: [project.id, annotator.id]) ?? 0
        }
    }

    /// The projects a user may see: all for admins and leads, their memberships for annotators.
    public func projectSummaries(visibleTo user: User) throws -> [ProjectSummary] {
        let all = try projectSummaries()
        guard user.role == .annotator else { return all }
        let memberOf = try writer.read { db in
            Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT project_id FROM project_members WHERE user_id = ?"), arguments: [user.id]))
        }
        return all.filter { memberOf.contains($0.project.id) }
    }
}
