import Foundation
import PostgresNIO
import QuorumCore

/// People, sign-ins, tokens and memberships on PostgreSQL. Nothing here is cached: a session signed out, a user
/// disabled or a token revoked through one server is refused by the next request to any server.
extension PostgresServerStore: PeopleStore {
    static let userColumns = "u.id, u.username, u.display_name, u.role, u.disabled, u.created_at"

    /// A user from `userColumns`, starting at column `at`.
    static func user(_ row: some StoredColumns, at first: Int32 = 0) -> User {
        User(id: row.int64(first), username: row.string(first + 1) ?? "", displayName: row.string(first + 2) ?? "",
             role: row.string(first + 3).flatMap(UserRole.init(rawValue:)) ?? .annotator, disabled: row.bool(first + 4),
             createdAt: row.string(first + 5) ?? "")
    }

    public func userCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM users").first?.int(0) ?? 0
    }

    public func createUser(username: String, displayName: String?, role: UserRole, passwordHash: String?, disabled: Bool) async throws -> User {
        let name = try AppDatabase.checkedUsername(username)
        let now = AppDatabase.timestamp(), shown = displayName ?? name
        do {
            let row = try await rows("""
                INSERT INTO users (username, display_name, role, password_hash, disabled, created_at)
                VALUES (\(name), \(shown), \(role.rawValue), \(passwordHash), \(disabled ? 1 : 0), \(now)) RETURNING id
                """)
            return User(id: row[0].int64(0), username: name, displayName: shown, role: role, disabled: disabled, createdAt: now)
        } catch let error as StoreError where error.kind == .conflict {
            throw AppDatabase.usernameTaken(name)
        }
    }

    public func users() async throws -> [User] {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users u ORDER BY u.id").map { Self.user($0) }
    }

    public func user(named name: String) async throws -> User? {
        guard !name.contains("\u{0}") else { return nil }
        return try await rows("SELECT \(unescaped: Self.userColumns) FROM users u WHERE u.username = \(name) OR CAST(u.id AS TEXT) = \(name)")
            .first.map { Self.user($0) }
    }

    public func credentials(username: String) async throws -> (User, String?)? {
        // No one's name holds a NUL, which PostgreSQL's text cannot even be asked about.
        guard !username.contains("\u{0}") else { return nil }
        return try await rows("SELECT \(unescaped: Self.userColumns), u.password_hash FROM users u WHERE u.username = \(username)")
            .first.map { (Self.user($0), $0.string(6)) }
    }

    public func createSession(for user: User, lifetime: TimeInterval) async throws -> (token: String, session: Session) {
        let token = AppDatabase.randomToken(), csrf = AppDatabase.randomToken()
        let expires = try await transaction { sql in
            try await sql.run("DELETE FROM sessions WHERE expires_at < \(unescaped: Self.clock())")
            return try await sql.first("""
                INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
                VALUES (\(AppDatabase.tokenHash(token)), \(user.id), \(csrf), \(unescaped: Self.clock(plus: lifetime))) RETURNING expires_at
                """)?.string(0)
        }
        return (token, Session(user: user, csrf: csrf, expiresAt: expires.flatMap(AppDatabase.date) ?? Date().addingTimeInterval(lifetime)))
    }

    public func session(token: String) async throws -> Session? {
        try await rows(Hot.Session.self) {
            $0.append(AppDatabase.tokenHash(token))
        }.first.map { row in
            Session(user: Self.user(row), csrf: row.string(6) ?? "", expiresAt: row.string(7).flatMap(AppDatabase.date) ?? Date())
        }
    }

    public func deleteSession(token: String) async throws {
        try await rows("DELETE FROM sessions WHERE token_hash = \(AppDatabase.tokenHash(token))")
    }

    public func isMember(user: User, of project: Project) async throws -> Bool {
        try await !rows(Hot.Membership.self) {
            $0.append(project.id)
            $0.append(user.id)
        }.isEmpty
    }

    public func createToken(name: String, user: User, project: Project?, scope: ApiToken.Scope) async throws -> (token: ApiToken, text: String) {
        let name = try AppDatabase.checkedTokenName(name, user: user)
        let text = "qt_" + AppDatabase.randomToken(), now = AppDatabase.timestamp()
        do {
            let row = try await rows("""
                INSERT INTO api_tokens (name, user_id, project_id, scope, token_hash, created_at)
                VALUES (\(name), \(user.id), \(project?.id), \(scope.rawValue), \(AppDatabase.tokenHash(text)), \(now)) RETURNING id
                """)
            return (ApiToken(id: row[0].int64(0), name: name, user: user, projectID: project?.id, scope: scope, createdAt: now,
                             lastUsedAt: nil, revokedAt: nil), text)
        } catch let error as StoreError where error.kind == .conflict {
            throw AppDatabase.tokenNameTaken(name)
        }
    }

    private static let tokenColumns = "t.id, t.name, t.project_id, t.scope, t.created_at, t.last_used_at, t.revoked_at, " + userColumns

    private static func token(_ row: PostgresColumns) -> ApiToken {
        ApiToken(id: row.int64(0), name: row.string(1) ?? "", user: user(row, at: 7), projectID: row.isNull(2) ? nil : row.int64(2),
                 scope: row.string(3).flatMap(ApiToken.Scope.init(rawValue:)) ?? .read, createdAt: row.string(4) ?? "",
                 lastUsedAt: row.string(5), revokedAt: row.string(6))
    }

    public func token(text: String) async throws -> ApiToken? {
        try await rows("""
            SELECT \(unescaped: Self.tokenColumns) FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(AppDatabase.tokenHash(text)) AND t.revoked_at IS NULL AND u.disabled = 0
            """).first.map(Self.token)
    }

    /// At most once a minute per token, as on SQLite.
    public func noteUse(of token: ApiToken) async throws {
        let minuteAgo = AppDatabase.timestamp(Date().addingTimeInterval(-60))
        if let last = token.lastUsedAt, last >= minuteAgo { return }
        try await rows("""
            UPDATE api_tokens SET last_used_at = \(AppDatabase.timestamp())
            WHERE id = \(token.id) AND (last_used_at IS NULL OR last_used_at < \(minuteAgo))
            """)
    }

    public func tokens(of user: User?) async throws -> [ApiToken] {
        // A bound NULL has no type PostgreSQL could compare: every user's tokens are asked for without one.
        try await rows("""
            SELECT \(unescaped: Self.tokenColumns) FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.user_id = \(user?.id ?? 0) OR \(user == nil) ORDER BY t.id DESC
            """).map(Self.token)
    }

    public func revokeToken(named name: String) async throws -> Bool {
        try await !rows("UPDATE api_tokens SET revoked_at = \(AppDatabase.timestamp()) WHERE name = \(name) AND revoked_at IS NULL RETURNING id").isEmpty
    }
}
