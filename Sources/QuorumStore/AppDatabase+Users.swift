import GRDB
import QuorumCore

extension AppDatabase {
    static func user(_ row: Row) -> User {
        User(id: row["id"], username: row["username"], displayName: row["display_name"],
             role: UserRole(rawValue: row["role"]) ?? .annotator, disabled: row["disabled"], createdAt: row["created_at"])
    }

    public func userCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM users")) ?? 0 }
    }

    /// Adds an account. `passwordHash` is a bcrypt hash; nil makes an account that cannot log in.
    @discardableResult
    public func createUser(username: String, displayName: String? = nil, role: UserRole, passwordHash: String?,
                           disabled: Bool = false) throws -> User {
        let name = try Self.checkedUsername(username)
        return try writer.write { db in
            if try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM users WHERE username = ?"), arguments: [name]) != nil {
                throw Self.usernameTaken(name)
            }
            return try Self.insertUser(db, username: name, displayName: displayName ?? name, role: role,
                                       passwordHash: passwordHash, disabled: disabled)
        }
    }

    /// A new user's name as kept (without surrounding spaces), or why it cannot be one.
    static func checkedUsername(_ username: String) throws -> String {
        let name = username.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw StoreError(.invalid, "a username needs 1 to 100 characters") }
        return name
    }

    static func usernameTaken(_ name: String) -> StoreError { StoreError(.conflict, "a user named \"\(name)\" exists already") }

    static func insertUser(_ db: Database, username: String, displayName: String, role: UserRole, passwordHash: String?, disabled: Bool) throws -> User {
        let now = timestamp()
        try db.cachedStatement(sql: """
            INSERT INTO users (username, display_name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [username, displayName, role.rawValue, passwordHash, disabled, now])
        return User(id: db.lastInsertedRowID, username: username, displayName: displayName, role: role, disabled: disabled, createdAt: now)
    }

    public func users() throws -> [User] {
        try writer.read { db in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM users ORDER BY id")).map(Self.user) }
    }

    /// A user by name or id.
    public func user(named name: String) throws -> User? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE username = ? OR (CAST(id AS TEXT) = ?)"), arguments: [name, name]).map(Self.user)
        }
    }
}
