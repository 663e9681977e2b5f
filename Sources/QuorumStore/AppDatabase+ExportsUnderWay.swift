import Foundation
import GRDB

/// Exports under way in the file (`exports_under_way`, schema v14), so that the server and a `quorum export` beside
/// it see each other's; leases by SQLite's clock, the clock of the one machine every process on the file runs on.
extension AppDatabase {
    /// Now, in seconds since 1970, as SQLite tells it.
    private static let now = "((julianday('now') - 2440587.5) * 86400.0)"

    public func beginExport(of project: Int64, total: Int, lease: Double) throws -> String? {
        let claim = UUID().uuidString
        return try writer.write { db in
            try db.execute(sql: """
                INSERT INTO exports_under_way AS u (project_id, claim, done, total, lease_until) VALUES (?, ?, 0, ?, \(Self.now) + ?)
                ON CONFLICT (project_id) DO UPDATE SET claim = excluded.claim, done = 0, total = excluded.total, lease_until = excluded.lease_until
                    WHERE u.lease_until < \(Self.now)
                """, arguments: [project, claim, total, lease])
            return db.changesCount > 0 ? claim : nil
        }
    }

    public func exportProgressed(of project: Int64, claim: String, done: Int, total: Int, lease: Double) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE exports_under_way SET done = ?, total = ?, lease_until = \(Self.now) + ? WHERE project_id = ? AND claim = ?",
                           arguments: [done, total, lease, project, claim])
        }
    }

    public func endExport(of project: Int64, claim: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM exports_under_way WHERE project_id = ? AND claim = ?", arguments: [project, claim])
        }
    }

    public func exportUnderWay(of project: Int64) throws -> (done: Int, total: Int)? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT done, total FROM exports_under_way WHERE project_id = ? AND lease_until >= \(Self.now)",
                             arguments: [project]).map { ($0[0], $0[1]) }
        }
    }
}
