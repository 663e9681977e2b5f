import PostgresNIO

/// What the database server's own settings mean for Quorum, told when a server starts. Every answer leaves a dead
/// entry in `items_open` where the hand-out looks for the next item, and only a vacuum removes it (`PostgresSchema.v6`
/// asks for one every few thousand answers); how soon autovacuum comes to look is the server's setting, not the
/// database's, so Quorum can only read it and say.
extension PostgresServerStore {
    /// The longest wait between autovacuum's looks that keeps the hand-out near its first cost (docs/BENCHMARKS.md).
    static let longestNaptime = 10

    /// What to tell the operator about these settings (`autovacuum`, `autovacuum_naptime` in seconds, and whether
    /// autovacuum is switched off for the items table alone); empty when they are fine.
    static func maintenanceWarnings(autovacuum: Bool, naptime: Int, itemsExcluded: Bool = false) -> [String] {
        let why = "each answer leaves a dead index entry where the next item is looked for, and handing out items slows until a vacuum clears them"
        var warnings: [String] = []
        if !autovacuum {
            warnings.append("PostgreSQL's autovacuum is off: \(why). Set autovacuum = on and autovacuum_naptime = 10s in postgresql.conf (README, \"A team\").")
        } else if naptime > longestNaptime {
            warnings.append("PostgreSQL's autovacuum_naptime is \(naptime) s: \(why). Set autovacuum_naptime = 10s in postgresql.conf (README, \"A team\").")
        }
        if itemsExcluded {
            warnings.append("Autovacuum is switched off for Quorum's items table (autovacuum_enabled): \(why). Run ALTER TABLE items RESET (autovacuum_enabled) in this database.")
        }
        return warnings
    }

    /// `maintenanceWarnings` for the database server this store is connected to, and this database's items table.
    public func maintenanceWarnings() async throws -> [String] {
        var settings: [String: String] = [:]
        for row in try await rows("SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'autovacuum_naptime')") {
            settings[row.string(0) ?? ""] = row.string(1)
        }
        // A table's options keep the value as it was written (off, false, 0, no): PostgreSQL's boolean reads them all.
        let excluded = try await rows("""
            SELECT COALESCE(bool_or(NOT split_part(option, '=', 2)::boolean), false)
            FROM pg_class c CROSS JOIN LATERAL unnest(c.reloptions) option
            WHERE c.oid = 'items'::regclass AND split_part(option, '=', 1) = 'autovacuum_enabled'
            """).first?.bool(0) ?? false
        return Self.maintenanceWarnings(autovacuum: settings["autovacuum"] != "off", naptime: settings["autovacuum_naptime"].flatMap { Int($0) } ?? 60,
                                        itemsExcluded: excluded)
    }
}
