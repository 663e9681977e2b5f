import QuorumCore

/// Where sign-in attempts are counted (`SignInPace`): in one server's memory on SQLite (`LoginThrottle`), in the
/// database on PostgreSQL (`PostgresServerStore`), so that every server paces a guesser the same.
public protocol SignInAttempts: Sendable {
    /// Counts an attempt and says whether it may be checked now.
    func attempt(address: String, username: String) async throws -> SignInPace.Verdict
    /// A right password: the record is cleared.
    func succeeded(address: String, username: String) async throws
}
