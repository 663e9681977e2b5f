import Foundation
import PostgresNIO
import QuorumCore

/// Sign-in attempts in the database (`sign_in_attempts`, `PostgresSchema.v4`): guesses spread over several servers
/// are paced as one (`SignInPace`). Each attempt's record is read and written under its row lock, so attempts made at
/// once through two servers are counted one after the other.
extension PostgresServerStore: SignInAttempts {
    /// The record's key as stored: hashed, as a name typed at the sign-in form may hold anything (a NUL, which
    /// PostgreSQL's text refuses).
    static func signInKey(_ address: String, _ username: String) -> String {
        AppDatabase.tokenHash(SignInPace.key(address: address, username: username))
    }

    public func attempt(address: String, username: String) async throws -> SignInPace.Verdict {
        let key = Self.signInKey(address, username)
        return try await transaction { sql in
            try await sql.run("DELETE FROM sign_in_attempts WHERE last_seen < extract(epoch FROM clock_timestamp()) - \(signInPace.window)")
            // A new record is as old as can be: the pace starts it afresh.
            try await sql.run("INSERT INTO sign_in_attempts (key, attempts, next_allowed, last_seen) VALUES (\(key), 0, 0, 0) ON CONFLICT (key) DO NOTHING")
            let kept = try await sql.first("SELECT attempts, next_allowed, last_seen FROM sign_in_attempts WHERE key = \(key) FOR UPDATE").map {
                SignInPace.Record(attempts: $0.int(0), nextAllowed: Date(timeIntervalSince1970: $0.double(1)),
                                  lastSeen: Date(timeIntervalSince1970: $0.double(2)))
            }
            // The database's clock, read once the record is locked: one clock for every server, and attempts counted
            // one after the other see times in that order.
            let now = Date(timeIntervalSince1970: try await sql.first("SELECT extract(epoch FROM clock_timestamp())::float8")?.double(0) ?? 0)
            let (verdict, record) = signInPace.attempt(after: kept, now: now)
            try await sql.run("""
                UPDATE sign_in_attempts SET attempts = \(record.attempts), next_allowed = \(record.nextAllowed.timeIntervalSince1970),
                    last_seen = \(record.lastSeen.timeIntervalSince1970) WHERE key = \(key)
                """)
            return verdict
        }
    }

    public func succeeded(address: String, username: String) async throws {
        try await rows("DELETE FROM sign_in_attempts WHERE key = \(Self.signInKey(address, username))")
    }
}
