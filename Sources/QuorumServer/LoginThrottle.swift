import Foundation

/// Slows password guessing without letting anyone lock a real user out. Attempts are counted per client address
/// and user name together, and counted *before* the password is checked, so a burst of parallel guesses is held
/// to the same pace as guesses one after another. The first few failures cost nothing; after that each attempt
/// must wait longer than the one before (2 s, 4 s, … up to 5 minutes), and an attempt that comes too early is
/// refused at once (429 with Retry-After) without touching bcrypt. Another address — the real user's — is not
/// slowed by them. A right password clears the record.
actor LoginThrottle {
    struct Record { var attempts: Int; var nextAllowed: Date; var lastSeen: Date }
    private var records: [String: Record] = [:]
    /// Attempts allowed with no wait.
    let free: Int
    let maxDelay: TimeInterval = 300
    /// A record untouched for this long is forgotten.
    let window: TimeInterval = 15 * 60

    init(free: Int = 5) { self.free = free }

    enum Verdict: Equatable { case allow, refuse(retryAfter: Int) }

    static func key(address: String, username: String) -> String { address + "\u{0}" + username.lowercased() }

    /// Counts an attempt and says whether it may be checked now.
    func attempt(address: String, username: String, now: Date = Date()) -> Verdict {
        let key = Self.key(address: address, username: username)
        if records.count > 10_000 { forgetOld(now) }
        var record = records[key] ?? Record(attempts: 0, nextAllowed: now, lastSeen: now)
        if now.timeIntervalSince(record.lastSeen) > window { record = Record(attempts: 0, nextAllowed: now, lastSeen: now) }
        if now < record.nextAllowed { return .refuse(retryAfter: Int(record.nextAllowed.timeIntervalSince(now).rounded(.up))) }
        record.attempts += 1
        record.lastSeen = now
        record.nextAllowed = now.addingTimeInterval(delay(after: record.attempts))
        records[key] = record
        return .allow
    }

    /// The wait before the next attempt once `attempts` have been made without success.
    func delay(after attempts: Int) -> TimeInterval {
        attempts < free ? 0 : min(maxDelay, pow(2, Double(attempts - free + 1)))
    }

    func succeeded(address: String, username: String) { records[Self.key(address: address, username: username)] = nil }

    private func forgetOld(_ now: Date) {
        records = records.filter { now.timeIntervalSince($0.value.lastSeen) <= window }
    }
}
