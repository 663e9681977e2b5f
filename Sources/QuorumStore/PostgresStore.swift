import Foundation
import Logging
import NIOCore
import PostgresNIO
import QuorumCore

/// Quorum's data on PostgreSQL: so far what `quorum export`, `quorum holdout` and `quorum import` need
/// (`--database postgres://…`). An export's items and their answers are read through two server-side cursors in one
/// repeatable-read transaction: one snapshot, in bounded memory, however large the project; its hold-out draw and
/// its record are written in one transaction. The export's methods wait for the connection (the export runs on
/// threads of its own); the import's are async (`PostgresStore+Import`).
public final class PostgresStore: ExportStore, @unchecked Sendable {
    private let connection: PostgresConnection
    private let logger = Logger(label: "quorum.postgres")
    /// Rows fetched from a cursor at once.
    private static let fetched = 4_096

    init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Connects, and checks the database holds Quorum's schema at this binary's version.
    public static func open(_ address: PostgresAddress) async throws -> PostgresStore {
        PostgresStore(connection: try await PostgresConnector.connect(address) { connection, logger in
            try await PostgresSchema.check(connection, logger: logger)
        })
    }

    public func close() async {
        try? await connection.close()
    }

    /// Runs `body` on a store connected to `address`, and closes it after, whatever `body` does.
    public static func using<T>(_ address: PostgresAddress, _ body: (PostgresStore) async throws -> T) async throws -> T {
        let store = try await open(address)
        return try await closing({ await store.close() }) { try await body(store) }
    }

    /// The statements run one after another (the connection queues them in the order asked), from one thread at a
    /// time: the export reads, then records.
    private func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try wait(connection.query(query, logger: logger), for: query.sql).rows
    }

    private func wait(_ result: EventLoopFuture<PostgresQueryResult>, for sql: String) throws -> PostgresQueryResult {
        do {
            return try result.wait()
        } catch let error as PSQLError {
            throw Self.refusal(sql, error)
        }
    }

    /// A statement's result, from async code (the import).
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await result(of: query).rows
    }

    private func result(of query: PostgresQuery) async throws -> PostgresQueryResult {
        try await result(of: send(query), for: query.sql)
    }

    /// Sends a statement without waiting for it: the connection runs what it is sent in order.
    func send(_ query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        connection.query(query, logger: logger)
    }

    func result(of sent: EventLoopFuture<PostgresQueryResult>, for sql: String) async throws -> PostgresQueryResult {
        do {
            return try await sent.get()
        } catch let error as PSQLError {
            throw Self.refusal(sql, error)
        }
    }

    /// Rows in COPY's text format into `table`.
    func copyFrom(table: String, columns: [String], _ rows: ByteBuffer) async throws {
        do {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in try await writer.write(rows) }
        } catch let error as PSQLError {
            throw Self.refusal("COPY \(table)", error)
        }
    }

    private static func refusal(_ sql: String, _ error: PSQLError) -> StoreError {
        StoreError(.invalid, "PostgreSQL refused \(sql.prefix(60))…: \(String(reflecting: error))")
    }

    public func project(_ reference: String) throws -> Project? {
        try rows("""
            SELECT \(unescaped: StoredProject.columns) FROM projects WHERE CAST(id AS TEXT) = \(reference) OR name = \(reference) OR slug = \(reference)
            ORDER BY CAST(id AS TEXT) = \(reference) DESC LIMIT 1
            """).first.map { row in
            let (id, slug, name, kind, labels, multiLabel, perItem, guidelines, export, created) =
                try row.decode((Int64, String, String, String, String, Int64, Int64, String, String, String).self)
            return StoredProject(id: id, slug: slug, name: name, kind: kind, labels: labels, multiLabel: multiLabel != 0,
                                 annotatorsPerItem: Int(perItem), guidelines: guidelines, exportSettings: export, createdAt: created).project
        }
    }

    public func projectNames() throws -> [String] {
        try rows("SELECT id, name FROM projects ORDER BY id").map { row in
            let (id, name) = try row.decode((Int64, String).self)
            return "\(id) \(name)"
        }
    }

    public func itemCount(of project: Project) throws -> Int {
        try rows("SELECT item_count FROM projects WHERE id = \(project.id)").first?.decode(Int.self) ?? 0
    }

    public func forEachStoredItem(in project: Project, answeredOnly: Bool, withInputs: Bool, batchSize: Int,
                                  _ body: ([StoredItem]) throws -> Void) throws {
        _ = try rows("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        var finished = false
        defer { if !finished { _ = try? rows("ROLLBACK") } }
        var names = StoredItemStream.UserNames()
        for row in try rows("SELECT id, username FROM users") {
            let (id, name) = try row.decode((Int64, String).self)
            names.add(id: id, name: name)
        }
        // A cursor's query takes no parameters: the project's id is a number, written in.
        let id = project.id
        let draft = project.kind == .watch ? "(SELECT c.messages FROM watch_corrections c WHERE c.item_id = i.id)"
            // `json`, not `jsonb`: the messages' text as stored, members in their order.
            : "CASE WHEN i.suggestion_withheld <> 0 THEN NULL ELSE (i.model_suggestion::json -> 'messages')::text END"
        _ = try rows(PostgresQuery(unsafeSQL: """
            DECLARE export_items NO SCROLL CURSOR FOR
            SELECT i.id, i.external_id, \(withInputs ? "i.input" : "'{}'"), i.split, g.resolution, g.source, g.decided_by, \(draft)
            FROM items i LEFT JOIN gold g ON g.item_id = i.id
            WHERE i.project_id = \(id) AND i.id < (SELECT COALESCE(staged_from, 9223372036854775807) FROM projects WHERE id = \(id))
            \(answeredOnly ? "AND (i.submitted > 0 OR g.item_id IS NOT NULL)" : "") ORDER BY i.id
            """))
        _ = try rows(PostgresQuery(unsafeSQL: """
            DECLARE export_answers NO SCROLL CURSOR FOR
            SELECT a.item_id, a.id, a.annotator_id, a.decision, a.labels, a.spans, a.messages FROM annotations a JOIN items i ON i.id = a.item_id
            WHERE i.project_id = \(id) \(answeredOnly ? "AND i.submitted > 0" : "") AND a.status = 'submitted' ORDER BY a.item_id, a.id
            """))
        var items = Fetching(store: self, cursor: "export_items")
        var answers = Fetching(store: self, cursor: "export_answers")
        try StoredItemStream(names: names, batchSize: batchSize).forEach(items: {
            try items.next().map { row in
                let (id, external, input, split, resolution, source, decidedBy, draft) =
                    try row.decode((Int64, String?, String?, String?, String?, String?, Int64?, String?).self)
                return StoredItemStream.ItemColumns(id: id, externalID: external, input: input, split: split, goldResolution: resolution,
                                                    goldSource: source, goldDecidedBy: decidedBy, draft: draft)
            }
        }, answers: {
            try answers.next().map { row in
                let (item, answer, annotator, decision, labels, spans, messages) =
                    try row.decode((Int64, Int64, Int64, String?, String?, String?, String?).self)
                return StoredItemStream.AnswerColumns(itemID: item, answerID: answer, annotator: annotator, decision: decision,
                                                      labels: labels, spans: spans, messages: messages)
            }
        }, body)
        finished = true
        _ = try rows("COMMIT")
    }

    /// A cursor's rows one by one, fetched `fetched` at a time, the next block asked for as soon as one arrives: the
    /// server reads and sends it while this side works the rows out.
    private struct Fetching {
        let store: PostgresStore
        let cursor: String
        private var buffered: [PostgresRow] = []
        private var position = 0
        private var coming: EventLoopFuture<PostgresQueryResult>?

        init(store: PostgresStore, cursor: String) {
            self.store = store
            self.cursor = cursor
            coming = store.fetch(cursor)
        }

        mutating func next() throws -> PostgresRow? {
            if position == buffered.count {
                guard let coming else { return nil }
                buffered = try store.wait(coming, for: "FETCH").rows
                position = 0
                self.coming = buffered.count < PostgresStore.fetched ? nil : store.fetch(cursor)
                guard !buffered.isEmpty else { return nil }
            }
            position += 1
            return buffered[position - 1]
        }
    }

    private func fetch(_ cursor: String) -> EventLoopFuture<PostgresQueryResult> {
        connection.query(PostgresQuery(unsafeSQL: "FETCH \(Self.fetched) FROM \(cursor)"), logger: logger)
    }

    public func holdOut(_ plan: ExportPlan, in project: Project) throws {
        try inTransaction { try holdOutInTransaction(plan, in: project) }
    }

    private func holdOutInTransaction(_ plan: ExportPlan, in project: Project) throws {
        // The project's row locked first (not its key: imports go on): two draws check the set one after the other.
        _ = try rows("SELECT id FROM projects WHERE id = \(project.id) FOR NO KEY UPDATE")
        let held = try rows("SELECT COUNT(*) FROM items WHERE project_id = \(project.id) AND split = 'holdout'").first!.decode(Int.self)
        guard held == plan.heldOutBefore else { throw ExportError.holdoutChanged(expected: plan.heldOutBefore, found: held) }
        guard !plan.newlyHeldOut.isEmpty else { return }
        _ = try rows("UPDATE items SET split = 'holdout' WHERE project_id = \(project.id) AND id = ANY(\(plan.newlyHeldOut))")
    }

    public func recordExport(of project: Project, settings: ExportSettings, report: ExportReport, directory: String, by user: User?,
                             sideFiles: [String]) throws -> Int64 {
        let columns = AppDatabase.exportColumns(report: report, directory: directory, sideFiles: sideFiles)
        return try inTransaction {
            try holdOutInTransaction(report.plan, in: project)
            return try rows("""
                INSERT INTO exports (project_id, format, settings, counts, files, user_id, created_at)
                VALUES (\(project.id), \(settings.format.rawValue), \(settings.json.jsonText), \(columns.counts), \(columns.files), \(user?.id),
                        \(AppDatabase.timestamp())) RETURNING id
                """).first!.decode(Int64.self)
        }
    }

    private func inTransaction<T>(_ work: () throws -> T) throws -> T {
        _ = try rows("BEGIN")
        do {
            let result = try work()
            _ = try rows("COMMIT")
            return result
        } catch {
            _ = try? rows("ROLLBACK")
            throw error
        }
    }
}
