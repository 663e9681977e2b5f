import Foundation

/// Slows repeated failed logins for a user name, then refuses them for a while: after 5 failures in
/// 15 minutes each attempt waits a second more; after 10, attempts get 429 until 15 minutes pass.
actor LoginThrottle {
    struct Record { var failures: Int; var since: Date }
    private var records: [String: Record] = [:]
    let window: TimeInterval = 15 * 60

    enum Verdict { case allow(delay: TimeInterval), refuse(retryAfter: Int) }

    func check(_ username: String) -> Verdict {
        let key = username.lowercased()
        guard let record = records[key] else { return .allow(delay: 0) }
        let age = Date().timeIntervalSince(record.since)
        if age > window { records[key] = nil; return .allow(delay: 0) }
        if record.failures >= 10 { return .refuse(retryAfter: Int(window - age) + 1) }
        return .allow(delay: record.failures >= 5 ? Double(record.failures - 4) : 0)
    }

    func failed(_ username: String) {
        let key = username.lowercased()
        var record = records[key] ?? Record(failures: 0, since: Date())
        record.failures += 1
        records[key] = record
    }

    func succeeded(_ username: String) { records[username.lowercased()] = nil }
}
