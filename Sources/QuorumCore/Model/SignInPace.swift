import Foundation

/// How password guessing is slowed without letting anyone lock a real user out. Attempts are counted per client
/// address and user name together, and counted *before* the password is checked, so a burst of parallel guesses is
/// held to the same pace as guesses one after another. The first few failures cost nothing; after that each attempt
/// must wait longer than the one before (2 s, 4 s, … up to 5 minutes), and an attempt that comes too early is
/// refused at once (429 with Retry-After) without touching bcrypt. Another address — the real user's — is not
/// slowed by them. A right password clears the record; a record untouched for a quarter of an hour is forgotten.
/// The records live in one server's memory on SQLite, in the database on PostgreSQL (so that guesses spread over
/// several servers are paced as one).
public struct SignInPace: Sendable {
    public struct Record: Sendable, Equatable {
        public var attempts: Int
        public var nextAllowed: Date
        public var lastSeen: Date

        public init(attempts: Int, nextAllowed: Date, lastSeen: Date) {
            self.attempts = attempts
            self.nextAllowed = nextAllowed
            self.lastSeen = lastSeen
        }
    }

    public enum Verdict: Equatable, Sendable { case allow, refuse(retryAfter: Int) }

    /// Attempts allowed with no wait.
    public let free: Int
    /// The wait after the last free attempt; it doubles with each attempt after.
    public let firstWait: TimeInterval
    public let maxDelay: TimeInterval = 300
    /// A record untouched for this long is forgotten.
    public let window: TimeInterval = 15 * 60

    public init(free: Int = 5, firstWait: TimeInterval = 2) {
        self.free = free
        self.firstWait = firstWait
    }

    public static func key(address: String, username: String) -> String { address + "\u{0}" + username.lowercased() }

    /// The verdict on an attempt made at `now`, given the record kept so far, and the record to keep after it.
    public func attempt(after kept: Record?, now: Date) -> (verdict: Verdict, record: Record) {
        var record = kept ?? Record(attempts: 0, nextAllowed: now, lastSeen: now)
        if now.timeIntervalSince(record.lastSeen) > window { record = Record(attempts: 0, nextAllowed: now, lastSeen: now) }
        if now < record.nextAllowed { return (.refuse(retryAfter: Int(record.nextAllowed.timeIntervalSince(now).rounded(.up))), record) }
        record.attempts += 1
        record.lastSeen = now
        record.nextAllowed = now.addingTimeInterval(delay(after: record.attempts))
        return (.allow, record)
    }

    /// The wait before the next attempt once `attempts` have been made without success.
    public func delay(after attempts: Int) -> TimeInterval {
        attempts < free ? 0 : min(maxDelay, firstWait * pow(2, Double(attempts - free)))
    }
}
