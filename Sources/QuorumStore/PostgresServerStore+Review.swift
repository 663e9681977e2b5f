import Foundation
import PostgresNIO
import QuorumCore

/// Gold, comments, activity and agreement on PostgreSQL. Reading a whole project (agreement, the review queue) goes
/// through the export's cursors on a thread of its own.
extension PostgresServerStore: ReviewStore {
    public func setGold(_ answer: Answer, for item: Item, source: GoldAnswer.Source, by user: User?) async throws {
        try await rows("""
            INSERT INTO gold (item_id, resolution, source, decided_by, decided_at)
            VALUES (\(item.id), \(answer.json.jsonText), \(source.rawValue), \(user?.id), \(AppDatabase.timestamp()))
            ON CONFLICT (item_id) DO UPDATE SET resolution = excluded.resolution, source = excluded.source,
                decided_by = excluded.decided_by, decided_at = excluded.decided_at
            """)
    }

    public func removeGold(for item: Item) async throws -> Bool {
        try await !rows("DELETE FROM gold WHERE item_id = \(item.id) RETURNING item_id").isEmpty
    }

    public func gold(for item: Item) async throws -> JSONValue? {
        try await rows("""
            SELECT g.resolution, g.source, u.username, g.decided_at FROM gold g LEFT JOIN users u ON u.id = g.decided_by WHERE g.item_id = \(item.id)
            """).first.map(AppDatabase.gold)
    }

    public func promoteAgreedAnswers(in project: Project) async throws -> Int {
        guard let rule = project.autoGold else { return 0 }
        let items = try await answeredItems(in: project)
        let agreed = ReviewQueue.agreedAnswers(project: project, items: items, rule: rule)
        guard !agreed.isEmpty else { return 0 }
        let itemIDs = agreed.map(\.itemID), answers = agreed.map(\.answer.json.jsonText), sources = agreed.map(\.source.rawValue)
        // One statement for them all; gold a lead set meanwhile is kept.
        return try await rows("""
            WITH added AS (
                INSERT INTO gold (item_id, resolution, source, decided_by, decided_at)
                SELECT item, answer, source, NULL, \(AppDatabase.timestamp())
                FROM unnest(\(itemIDs)::bigint[], \(answers)::text[], \(sources)::text[]) AS a(item, answer, source)
                ON CONFLICT DO NOTHING RETURNING item_id)
            SELECT COUNT(*) FROM added
            """).first?.int(0) ?? 0
    }

    public func answeredItems(in project: Project) async throws -> [StoredItem] {
        try await Blocking.onThread { try self.readAnsweredItems(in: project) }
    }

    public func addComment(_ body: String, on item: Item, by user: User) async throws -> JSONValue {
        let text = try AppDatabase.checkedComment(body), now = AppDatabase.timestamp()
        try await rows("INSERT INTO item_comments (item_id, user_id, body, created_at) VALUES (\(item.id), \(user.id), \(text), \(now))")
        return ["username": .string(user.username), "body": .string(text), "created_at": .string(now)]
    }

    public func comments(on item: Item) async throws -> [JSONValue] {
        try await rows("""
            SELECT u.username, c.body, c.created_at FROM item_comments c JOIN users u ON u.id = c.user_id WHERE c.item_id = \(item.id) ORDER BY c.id
            """).map { ["username": .string($0.string(0) ?? ""), "body": .string($0.string(1) ?? ""), "created_at": .string($0.string(2) ?? "")] }
    }

    public func activity(in project: Project) async throws -> [(annotator: String, submitted: Int, seconds: [Double])] {
        var byName: [String: [Double]] = [:]
        for row in try await rows("""
            SELECT u.username, a.seconds_spent FROM annotations a JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id
            WHERE i.project_id = \(project.id) AND a.status = 'submitted'
            """) {
            byName[row.string(0) ?? "", default: []].append(row.double(1))
        }
        return byName.sorted { $0.key < $1.key }.map { ($0.key, $0.value.count, $0.value) }
    }

    public func agreementStamp(of project: Project) async throws -> AgreementStamp {
        let row = try await rows("""
            SELECT (SELECT MAX(id) FROM annotation_events), COUNT(*), MAX(g.decided_at)
            FROM gold g JOIN items i ON i.id = g.item_id WHERE i.project_id = \(project.id)
            """).first
        return AgreementStamp(lastChange: row?.int64(0) ?? 0, goldCount: row?.int(1) ?? 0, lastGold: row?.string(2))
    }

    public func agreement(of project: Project) async throws -> ProjectAgreement {
        try await Blocking.onThread { try self.readAgreement(of: project) }
    }

    /// Computed and kept by one server however many find it due at once: the one that takes the project's advisory
    /// lock (the others go on without waiting), and only if still due under it (another may have kept one just before).
    /// Each statement runs on its own, with the lock the connection's (released after, or by PostgreSQL with a lost
    /// connection): no transaction stays open while the figures are computed, which on a large project would hold
    /// back vacuum (and the annotating loop's indexes fill with dead entries) for as long.
    public func keepSnapshotIfDue(of project: Project, _ agreement: () async throws -> ProjectAgreement) async throws {
        let key = Int32(truncatingIfNeeded: project.id)
        try await client.withConnection { connection in
            let sql = Transaction(connection: connection, logger: logger)
            guard try await Self.snapshotDue(sql, for: project),
                  try await sql.first("SELECT pg_try_advisory_lock(\(Self.snapshotLock), \(key))")?.bool(0) == true else { return }
            do {
                if try await Self.snapshotDue(sql, for: project) {
                    let figures = try await agreement()
                    try await sql.run("""
                        INSERT INTO agreement_snapshots (project_id, taken_at, annotations, shared_items, coefficient, value, figures)
                        VALUES (\(project.id), \(unescaped: Self.clock()), \(figures.answers), \(figures.sharedItems), \(figures.coefficient),
                                \(figures.value), \(figures.json.jsonText))
                        """)
                }
            } catch {
                await Self.unlockSnapshot(key, on: sql)
                throw error
            }
            await Self.unlockSnapshot(key, on: sql)
        }
    }

    /// Lets the snapshot lock go; if that fails, closes the connection (which lets it go too) rather than return it
    /// to the pool still holding the lock, which would keep the project's snapshots from every server.
    private static func unlockSnapshot(_ key: Int32, on sql: Transaction) async {
        do {
            try await sql.run("SELECT pg_advisory_unlock(\(snapshotLock), \(key))")
        } catch {
            try? await sql.connection.close()
        }
    }

    /// The advisory locks' first key for snapshots (the second is the project's id).
    static let snapshotLock: Int32 = 0x5153_4e50  // "QSNP"

    private static func snapshotDue(_ sql: Transaction, for project: Project) async throws -> Bool {
        guard let now = try await sql.first("""
            SELECT annotation_count, \(unescaped: clock(plus: -86_400)) FROM projects_counted WHERE id = \(project.id)
            """) else { return false }
        let last = try await sql.first("SELECT annotations, taken_at FROM agreement_snapshots WHERE project_id = \(project.id) ORDER BY id DESC LIMIT 1")
        return AppDatabase.snapshotDue(count: now.int(0), last: last.map { ($0.int(0), $0.string(1) ?? "") }, dayAgo: now.string(1) ?? "")
    }

    public func snapshots(of project: Project) async throws -> [JSONValue] {
        try await rows("""
            SELECT taken_at, annotations, shared_items, coefficient, value FROM agreement_snapshots WHERE project_id = \(project.id) ORDER BY id
            """).map(AppDatabase.snapshot)
    }
}
