import PostgresNIO

/// A statement the annotating loop runs on every request, prepared once per connection (postgres-nio's
/// `PostgresPreparedStatement`) and from then on only run: PostgreSQL does not parse and plan it again, which was most
/// of its work per request (docs/BENCHMARKS.md, "Annotating under load on PostgreSQL").
protocol HotStatement {
    static var sql: String { get }
}

/// A `HotStatement` with its values, as postgres-nio runs it.
struct Prepared<Statement: HotStatement>: PostgresPreparedStatement {
    static var name: String { "quorum_\(Statement.self)" }
    static var sql: String { Statement.sql }
    typealias Row = PostgresRow
    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

extension PostgresConnection {
    /// The rows of a hot statement with the values `bind` appends, in the order of its parameters.
    func rows<S: HotStatement>(_ statement: S.Type, logger: Logger, _ bind: (inout PostgresBindings) throws -> Void) async throws -> [PostgresColumns] {
        var bindings = PostgresBindings()
        try bind(&bindings)
        do {
            var found: [PostgresColumns] = []
            for try await row in try await execute(Prepared<S>(bindings: bindings), logger: logger) { found.append(PostgresColumns(row)) }
            return found
        } catch let error as PSQLError {
            throw PostgresServerStore.refusal(S.sql, error)
        }
    }
}

/// The annotating loop's statements (`PostgresServerStore+People`, `+Projects`, `+Annotations`).
enum Hot {
    enum Session: HotStatement {
        static let sql = """
            SELECT \(PostgresServerStore.userColumns), s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0
            """
    }
    enum Membership: HotStatement {
        static let sql = "SELECT 1 FROM project_members WHERE project_id = $1 AND user_id = $2"
    }
    enum ProjectByID: HotStatement {
        static let sql = "SELECT \(StoredProject.columns) FROM projects WHERE id = $1"
    }
    enum ItemByID: HotStatement {
        static let sql = "SELECT \(AppDatabase.itemColumns) FROM items i WHERE i.id = $1"
    }
    enum ExpiredLeases: HotStatement {
        static let sql = "DELETE FROM leases WHERE expires_at < $1"
    }
    enum Draft: HotStatement {
        static let sql = """
            SELECT \(AppDatabase.annotationColumns) FROM annotations a JOIN items i ON i.id = a.item_id
            WHERE i.project_id = $1 AND a.annotator_id = $2 AND a.status = 'draft' ORDER BY a.updated_at LIMIT 1
            """
    }
    enum HeldLease: HotStatement {
        static let sql = """
            SELECT \(AppDatabase.itemColumns) FROM leases l JOIN items i ON i.id = l.item_id
            WHERE i.project_id = $1 AND l.annotator_id = $2 AND l.expires_at >= $3
              AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = $2)
            ORDER BY i.id LIMIT 1
            """
    }
    enum RenewLease: HotStatement {
        static let sql = "UPDATE leases SET expires_at = $1 WHERE item_id = $2 AND annotator_id = $3"
    }
    /// The first item with a free slot for annotator $2 (slots: $3; leases live at $4), not one of $5, locked.
    enum FreeItem: HotStatement {
        static let sql = """
            SELECT \(AppDatabase.itemColumns) FROM items i
            WHERE i.project_id = $1 AND i.taken < $3 AND \(AppDatabase.published("i.project_id")) AND i.id <> ALL($5)
              AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = $2)
              AND i.taken + (SELECT COUNT(*) FROM leases l WHERE l.item_id = i.id AND l.annotator_id <> $2 AND l.expires_at >= $4) < $3
            ORDER BY i.taken DESC, i.id LIMIT 1 FOR UPDATE OF i SKIP LOCKED
            """
    }
    /// A lease on item $1 for annotator $2 until $5, if the item still has a free slot (slots: $3; leases live at $4),
    /// counted afresh: a row when taken, none when full.
    enum TakeLease: HotStatement {
        static let sql = """
            INSERT INTO leases (item_id, annotator_id, expires_at)
            SELECT $1, $2, $5 FROM items i
            WHERE i.id = $1
              AND i.taken + (SELECT COUNT(*) FROM leases l WHERE l.item_id = i.id AND l.annotator_id <> $2 AND l.expires_at >= $4) < $3
            ON CONFLICT (item_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at
            RETURNING 1
            """
    }
    enum Progress: HotStatement {
        static let sql = """
            SELECT p.item_count, p.complete_count,
                   COALESCE((SELECT c.submitted FROM annotator_counts c WHERE c.project_id = p.id AND c.annotator_id = $2), 0)
            FROM projects p WHERE p.id = $1
            """
    }
    /// Item $1 with its project, and whether user $2 is a member of it.
    enum ItemToAnswer: HotStatement {
        static let sql = """
            SELECT \(AppDatabase.itemColumns), \(StoredProject.columns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                   EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2)
            FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = $1
            """
    }
    enum CurrentAnswer: HotStatement {
        static let sql = "SELECT \(AppDatabase.annotationColumns) FROM annotations a WHERE a.item_id = $1 AND a.annotator_id = $2 FOR UPDATE"
    }
    enum LeaseHeld: HotStatement {
        static let sql = "SELECT 1 FROM leases WHERE item_id = $1 AND annotator_id = $2"
    }
    enum UpdateAnswer: HotStatement {
        static let sql = """
            UPDATE annotations SET status = $1, decision = $2, labels = $3, spans = $4, messages = $5, note = $6,
                seconds_spent = seconds_spent + $7, version = version + 1, updated_at = $8, criteria = $9, suggestion_outcome = $10,
                suggestion_run = $11
            WHERE id = $12
            """
    }
    enum InsertAnswer: HotStatement {
        static let sql = """
            INSERT INTO annotations (item_id, annotator_id, status, decision, labels, spans, messages, note, seconds_spent, version, created_at,
                updated_at, criteria, suggestion_outcome, suggestion_run)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, $11, $12, $13) RETURNING id
            """
    }
    enum CountAnswer: HotStatement {
        static let sql = """
            INSERT INTO annotator_counts (project_id, annotator_id, submitted) VALUES ($1, $2, $3)
            ON CONFLICT (project_id, annotator_id) DO UPDATE SET submitted = annotator_counts.submitted + excluded.submitted
            """
    }
    enum DropLease: HotStatement {
        static let sql = "DELETE FROM leases WHERE item_id = $1 AND annotator_id = $2"
    }
    enum AnswerEvent: HotStatement {
        static let sql = "INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at) VALUES ($1, $2, $3, $4, $5, $6)"
    }
    enum ItemCounts: HotStatement {
        static let sql = "UPDATE items SET taken = taken + $1, submitted = submitted + $2 WHERE id = $3"
    }
}
