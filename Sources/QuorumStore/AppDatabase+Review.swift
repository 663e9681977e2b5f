import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    /// One server: the check and the computing need no lock.
    public func keepSnapshotIfDue(of project: Project, _ agreement: () async throws -> ProjectAgreement) async throws {
        if try snapshotDue(for: project) { try recordSnapshot(of: project, try await agreement()) }
    }

    /// Keeps a project's agreement figures, so the trend can be drawn.
    func recordSnapshot(of project: Project, _ agreement: ProjectAgreement) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO agreement_snapshots (project_id, taken_at, annotations, shared_items, coefficient, value, figures)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [project.id, Self.timestamp(), agreement.answers, agreement.sharedItems, agreement.coefficient,
                                 agreement.value, agreement.json.jsonText])
        }
    }

    /// A snapshot is due after 100 more submitted answers than the last one covered, or a day after it when
    /// anything changed.
    func snapshotDue(for project: Project) throws -> Bool {
        try writer.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT annotation_count FROM projects WHERE id = ?", arguments: [project.id]) ?? 0
            let last = try Row.fetchOne(db, sql: """
                SELECT annotations, taken_at FROM agreement_snapshots WHERE project_id = ? ORDER BY id DESC LIMIT 1
                """, arguments: [project.id])
            return Self.snapshotDue(count: count, last: last.map { ($0["annotations"], $0["taken_at"]) },
                                    dayAgo: Self.timestamp(Date().addingTimeInterval(-86_400)))
        }
    }

    /// Whether a snapshot is due with `count` submitted answers now, and `last` (the answers it covered, when), the
    /// time a day ago being `dayAgo`.
    static func snapshotDue(count: Int, last: (covered: Int, takenAt: String)?, dayAgo: String) -> Bool {
        guard count > 0 else { return false }
        guard let last else { return true }
        return count >= last.covered + 100 || (count != last.covered && last.takenAt < dayAgo)
    }

    /// `{"taken_at", "annotations", "shared_items", "coefficient", "value"}` for each snapshot, oldest first.
    public func snapshots(of project: Project) throws -> [JSONValue] {
        try writer.read { db in
            var found: [JSONValue] = []
            try db.makeStatement(sql: """
                SELECT taken_at, annotations, shared_items, coefficient, value FROM agreement_snapshots WHERE project_id = ? ORDER BY id
                """).forEachRow(project.id) { found.append(Self.snapshot($0)) }
            return found
        }
    }

    /// A row of `taken_at, annotations, shared_items, coefficient, value` as `snapshots(of:)` gives it.
    static func snapshot(_ row: some StoredColumns) -> JSONValue {
        ["taken_at": .string(row.string(0) ?? ""), "annotations": .int(row.int(1)), "shared_items": .int(row.int(2)),
         "coefficient": .string(row.string(3) ?? ""), "value": row.isNull(4) ? .null : .double(row.double(4))]
    }

    public func addComment(_ body: String, on item: Item, by user: User) throws -> JSONValue {
        let text = try Self.checkedComment(body)
        let now = Self.timestamp()
        try writer.write { db in
            try db.execute(sql: "INSERT INTO item_comments (item_id, user_id, body, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [item.id, user.id, text, now])
        }
        return ["username": .string(user.username), "body": .string(text), "created_at": .string(now)]
    }

    /// A comment as kept, or why it cannot be one.
    static func checkedComment(_ body: String) throws -> String {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw StoreError(.invalid, "a comment cannot be empty") }
        return text
    }

    public func comments(on item: Item) throws -> [JSONValue] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT u.username, c.body, c.created_at FROM item_comments c JOIN users u ON u.id = c.user_id WHERE c.item_id = ? ORDER BY c.id
                """, arguments: [item.id]).map { ["username": .string($0["username"]), "body": .string($0["body"]), "created_at": .string($0["created_at"])] }
        }
    }

    /// Per annotator in a project: submitted answers, the seconds they spent, and each answer's seconds (for medians).
    public func activity(in project: Project) throws -> [(annotator: String, submitted: Int, seconds: [Double])] {
        try writer.read { db in
            var byName: [String: [Double]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT u.username, a.seconds_spent FROM annotations a JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id
                WHERE i.project_id = ? AND a.status = 'submitted'
                """, arguments: [project.id])
            while let row = try rows.next() { byName[row["username"], default: []].append(row["seconds_spent"]) }
            return byName.sorted { $0.key < $1.key }.map { ($0.key, $0.value.count, $0.value) }
        }
    }
}

/// What a project's agreement depends on, cheap to read: when it is the same, the figures are too.
public struct AgreementStamp: Equatable, Sendable {
    let lastChange: Int64
    let goldCount: Int
    let lastGold: String?
}

extension AppDatabase {
    /// The stamp of the project's answers and gold now: the newest answer change (every save writes an event),
    /// and the project's gold answers, counted, with the newest decision.
    public func agreementStamp(of project: Project) throws -> AgreementStamp {
        try writer.read { db in
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM annotation_events") ?? 0
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, MAX(g.decided_at) AS at FROM gold g JOIN items i ON i.id = g.item_id WHERE i.project_id = ?
                """, arguments: [project.id])
            return AgreementStamp(lastChange: last, goldCount: row?["n"] ?? 0, lastGold: row?["at"])
        }
    }

    public func agreement(of project: Project) throws -> ProjectAgreement {
        try readAgreement(of: project)
    }
}

extension ExportStore {
    /// A project's agreement: the answers are read on one thread and parsed on the others as they arrive.
    func readAgreement(of project: Project) throws -> ProjectAgreement {
        let batches = Handoff<[StoredItem]>.filled(capacity: 2) { [self] batches in
            try forEachStoredItem(in: project, answeredOnly: true, withInputs: project.kind != .classify) { batches.put($0) }
        }
        defer { batches.cancel() }
        var answered: [ProjectAgreement.AnsweredItem] = []
        // One core stays the reader's: it is the longer part, and a third busy thread would slow it.
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
        while let batch = try batches.take() { answered += ProjectAgreement.read(batch, project: project, workers: workers) }
        return ProjectAgreement(project: project, answered: answered)
    }
}
