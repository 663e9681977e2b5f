import Foundation
import QuorumCore
import QuorumStore

/// Sign-in attempts counted in this server's memory (`SignInPace` says how they are paced): enough for one server on
/// SQLite. Servers sharing PostgreSQL count them in the database instead (`PostgresServerStore+SignIn`).
actor LoginThrottle: SignInAttempts {
    private var records: [String: SignInPace.Record] = [:]
    let pace: SignInPace

    init(pace: SignInPace = SignInPace()) { self.pace = pace }

    func attempt(address: String, username: String) -> SignInPace.Verdict {
        let now = Date()
        if records.count > 10_000 { records = records.filter { now.timeIntervalSince($0.value.lastSeen) <= pace.window } }
        let key = SignInPace.key(address: address, username: username)
        let (verdict, record) = pace.attempt(after: records[key], now: now)
        records[key] = record
        return verdict
    }

    func succeeded(address: String, username: String) { records[SignInPace.key(address: address, username: username)] = nil }
}
