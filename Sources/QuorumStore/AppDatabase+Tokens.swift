import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    /// Makes a token and returns it with its text, which is shown this once: only its SHA-256 is stored.
    public func createToken(name: String, user: User, project: Project?, scope: ApiToken.Scope) throws -> (token: ApiToken, text: String) {
        let name = try Self.checkedTokenName(name, user: user)
        let text = "qt_" + Self.randomToken()
        return try writer.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM api_tokens WHERE name = ?", arguments: [name]) != nil {
                throw Self.tokenNameTaken(name)
            }
            let now = Self.timestamp()
            try db.execute(sql: "INSERT INTO api_tokens (name, user_id, project_id, scope, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [name, user.id, project?.id, scope.rawValue, Self.tokenHash(text), now])
            return (ApiToken(id: db.lastInsertedRowID, name: name, user: user, projectID: project?.id, scope: scope, createdAt: now,
                             lastUsedAt: nil, revokedAt: nil), text)
        }
    }

    /// A new token's name as kept, or why there can be no such token.
    static func checkedTokenName(_ name: String, user: User) throws -> String {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw StoreError(.invalid, "a token needs a name of at most 100 characters") }
        guard !user.disabled else { throw StoreError(.invalid, "\(user.username) is disabled: a token would act as nobody") }
        return name
    }

    static func tokenNameTaken(_ name: String) -> StoreError { StoreError(.conflict, "a token named \"\(name)\" exists already") }

    /// The live token behind a bearer text, or nil (unknown, revoked, or its user disabled). Read from the database
    /// on every request, not through a cache: a revoked token is refused at once.
    public func token(text: String) throws -> ApiToken? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT t.id AS token_id, t.name AS token_name, t.project_id, t.scope, t.created_at AS token_created, t.last_used_at, t.revoked_at, u.*
                FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0
                """), arguments: [Self.tokenHash(text)]).map(Self.token)
        }
    }

    static func token(_ row: Row) -> ApiToken {
        ApiToken(id: row["token_id"], name: row["token_name"], user: user(row), projectID: row["project_id"],
                 scope: ApiToken.Scope(rawValue: row["scope"]) ?? .read, createdAt: row["token_created"], lastUsedAt: row["last_used_at"],
                 revokedAt: row["revoked_at"])
    }

    /// Notes when a token was last used, at most once a minute per token: every request of a busy service asks, and
    /// the time read with the token says whether a write is due (timestamps sort as text).
    public func noteUse(of token: ApiToken) throws {
        if let last = token.lastUsedAt, last >= Self.timestamp(Date().addingTimeInterval(-60)) { return }
        try writer.write { db in
            try db.execute(sql: "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?3)",
                           arguments: [Self.timestamp(), token.id, Self.timestamp(Date().addingTimeInterval(-60))])
        }
    }

    /// Every token, newest first (revoked ones too); `of`: only those of one user.
    public func tokens(of user: User? = nil) throws -> [ApiToken] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.id AS token_id, t.name AS token_name, t.project_id, t.scope, t.created_at AS token_created, t.last_used_at, t.revoked_at, u.*
                FROM api_tokens t JOIN users u ON u.id = t.user_id \(user == nil ? "" : "WHERE t.user_id = ?") ORDER BY t.id DESC
                """, arguments: StatementArguments(user.map { [$0.id] } ?? [])).map(Self.token)
        }
    }

    /// Revokes a token by name; refused from then on. Returns whether one was live.
    @discardableResult
    public func revokeToken(named name: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [Self.timestamp(), name])
            return db.changesCount > 0
        }
    }

    /// The project an export belongs to (a token of one project may fetch only its exports' files).
    public func projectOfExport(_ id: Int64) throws -> Int64? {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT project_id FROM exports WHERE id = ?", arguments: [id]) }
    }
}
