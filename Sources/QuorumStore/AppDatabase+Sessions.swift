import Foundation
import GRDB
import QuorumCore

/// A signed-in user with the session's CSRF token.
public struct Session: Sendable {
    public var user: User
    public var csrf: String
    public var expiresAt: Date

    /// What an API token's request acts as: its user, with no CSRF token (a token's requests need none).
    public static func program(_ token: ApiToken) -> Session { Session(user: token.user, csrf: "", expiresAt: .distantFuture) }
}

extension AppDatabase {
    /// Starts a session: returns the cookie's token (only its SHA-256 is stored) and the session.
    public func createSession(for user: User, lifetime: TimeInterval) throws -> (token: String, session: Session) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let expires = Date().addingTimeInterval(lifetime)
        try writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM sessions WHERE expires_at < ?").execute(arguments: [Self.timestamp()])
            try db.cachedStatement(sql: "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES (?, ?, ?, ?)")
                           .execute(arguments: [Self.tokenHash(token), user.id, csrf, Self.timestamp(expires)])
        }
        return (token, Session(user: user, csrf: csrf, expiresAt: expires))
    }

    /// The live session behind a cookie token, or nil (unknown, expired, or its user disabled).
    /// Read through `recent`: every request asks.
    public func session(token: String) throws -> Session? {
        let session = try recent.sessions.value(for: token) { try storedSession(token: token) }
        guard let session, session.expiresAt > Date() else { return nil }
        return session
    }

    private func storedSession(token: String) throws -> Session? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT u.*, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0
                """), arguments: [Self.tokenHash(token), Self.timestamp()]) else { return nil }
            let expires = Self.date(row["expires_at"]) ?? Date()
            return Session(user: Self.user(row), csrf: row["csrf_token"], expiresAt: expires)
        }
    }

    public func deleteSession(token: String) throws {
        try writer.write { db in try db.cachedStatement(sql: "DELETE FROM sessions WHERE token_hash = ?").execute(arguments: [Self.tokenHash(token)]) }
        recent.sessions.remove(token)
    }

    /// The user and bcrypt hash for a login attempt.
    public func credentials(username: String) throws -> (User, String?)? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE username = ?"), arguments: [username]).map { (Self.user($0), $0["password_hash"]) }
        }
    }

    /// Read through `recent` (a membership is never taken back, so only members are kept).
    public func isMember(user: User, of project: Project) throws -> Bool {
        try recent.memberships.value(for: .init(project: project.id, user: user.id)) {
            try writer.read { db in try Self.membership(db, user: user, of: project) }
        } ?? false
    }

    /// `isMember` within a transaction already open.
    static func isMember(_ db: Database, _ recent: RecentReads, user: User, of project: Project) throws -> Bool {
        try recent.memberships.value(for: .init(project: project.id, user: user.id)) { try membership(db, user: user, of: project) } ?? false
    }

    /// True when the user is a member, nil (nothing to keep) when not.
    private static func membership(_ db: Database, user: User, of project: Project) throws -> Bool? {
        try db.cachedStatement(sql: "SELECT 1 FROM project_members WHERE project_id = ? AND user_id = ?").firstRow(project.id, user.id) { _ in true }
    }

    /// A time as stored (`timestamp`).
    static func date(_ stored: String) -> Date? {
        try? Date(stored, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func tokenHash(_ token: String) -> String { ContentHash.sha256Hex(Array(token.utf8)) }
}
