import PostgresNIO

/// What the database server's own settings mean for Quorum, told when a server starts. Every answer leaves a dead
/// entry in `items_open` where the hand-out looks for the next item, and only a vacuum removes it (`PostgresSchema.v6`
/// asks for one every few thousand answers); how soon autovacuum comes to look is the server's setting, not the
/// database's, so Quorum can only read it and say.
extension PostgresServerStore {
    /// The longest wait between autovacuum's looks that keeps the hand-out near its first cost (docs/BENCHMARKS.md).
    static let longestNaptime = 10

    /// What to tell the operator about these settings (`autovacuum`, `autovacuum_naptime` in seconds); empty when
    /// they are fine.
    static func maintenanceWarnings(autovacuum: Bool, naptime: Int) -> [String] {
        let why = "each answer leaves a dead index entry where the next item is looked for, and handing out items slows until a vacuum clears them"
        if !autovacuum {
            return ["PostgreSQL's autovacuum is off: \(why). Set autovacuum = on and autovacuum_naptime = 10s in postgresql.conf (README, \"A team\")."]
        }
        if naptime > longestNaptime {
            return ["PostgreSQL's autovacuum_naptime is \(naptime) s: \(why). Set autovacuum_naptime = 10s in postgresql.conf (README, \"A team\")."]
        }
        return []
    }

    /// `maintenanceWarnings` for the database server this store is connected to.
    public func maintenanceWarnings() async throws -> [String] {
        var settings: [String: String] = [:]
        for row in try await rows("SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'autovacuum_naptime')") {
            settings[row.string(0) ?? ""] = row.string(1)
        }
        return Self.maintenanceWarnings(autovacuum: settings["autovacuum"] != "off", naptime: settings["autovacuum_naptime"].flatMap { Int($0) } ?? 60)
    }
}
