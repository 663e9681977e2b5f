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
            WHERE s.token_hash = $1 AND s.expires_at > \(PostgresServerStore.clock()) AND u.disabled = 0
            """
    }
    enum Membership: HotStatement {
        static let sql = "SELECT 1 FROM project_members WHERE project_id = $1 AND user_id = $2"
    }
    enum ProjectByID: HotStatement {
        static let sql = "SELECT \(StoredProject.columns) FROM projects WHERE id = $1"
    }
    /// Project $1, and whether user $2 is one of its members.
    enum ProjectForMember: HotStatement {
        static let sql = """
            SELECT \(StoredProject.columns), EXISTS (SELECT 1 FROM project_members WHERE project_id = $1 AND user_id = $2)
            FROM projects WHERE id = $1
            """
    }
    enum ItemByID: HotStatement {
        static let sql = "SELECT \(AppDatabase.itemColumns) FROM items i WHERE i.id = $1"
    }
    /// Leases that lapsed more than $1 seconds ago.
    enum ExpiredLeases: HotStatement {
        static let sql = "DELETE FROM leases WHERE expires_at < \(PostgresServerStore.clock(plus: "-$1"))"
    }
    /// The item handed to annotator $2 in project $1 (slots: $3; a new lease for $4 seconds) and their draft
    /// of it if any (`quorum_hand_out`, `PostgresSchema.v3`), with their progress; no row when nothing is left.
    enum HandOut: HotStatement {
        static let sql = """
            SELECT \(AppDatabase.itemColumns), \(AppDatabase.annotationColumns),
                   p.item_count, p.complete_count, COALESCE(c.submitted, 0)
            FROM quorum_hand_out($1, $2, $3, \(PostgresServerStore.clock()), \(PostgresServerStore.clock(plus: "$4"))) h JOIN items i ON i.id = h.handed_item
            CROSS JOIN LATERAL (SELECT (h.draft).*) a
            JOIN projects_counted p ON p.id = $1 LEFT JOIN annotator_counts c ON c.project_id = $1 AND c.annotator_id = $2
            """
    }
    enum Progress: HotStatement {
        static let sql = """
            SELECT p.item_count, p.complete_count,
                   COALESCE((SELECT c.submitted FROM annotator_counts c WHERE c.project_id = p.id AND c.annotator_id = $2), 0)
            FROM projects_counted p WHERE p.id = $1
            """
    }
    /// Item $1 with its project, whether user $2 is a member of it, their answer if any, the id that answer has or will
    /// have (drawn here for a new one, so that its history can be written with it in `SaveAnswer`), and whether they
    /// hold the item's lease.
    enum AnswerToSave: HotStatement {
        static let sql = """
            SELECT \(AppDatabase.itemColumns), \(StoredProject.columns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                   EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $2),
                   \(AppDatabase.annotationColumns), COALESCE(a.id, nextval(pg_get_serial_sequence('annotations', 'id'))),
                   EXISTS (SELECT 1 FROM leases l WHERE l.item_id = i.id AND l.annotator_id = $2)
            FROM items i JOIN projects p ON p.id = i.project_id LEFT JOIN annotations a ON a.item_id = i.id AND a.annotator_id = $2
            WHERE i.id = $1
            """
    }
    /// `quorum_save_answer` (`PostgresSchema.v3`): an answer, its counts, lease and history in one statement.
    enum SaveAnswer: HotStatement {
        static let sql = "SELECT quorum_save_answer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    }
}
