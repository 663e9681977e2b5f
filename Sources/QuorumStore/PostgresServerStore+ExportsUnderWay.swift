import Foundation
import PostgresNIO

/// Exports under way in the database (`exports_under_way`, `PostgresSchema.v7`), leases by the database's clock (one
/// clock for every server and command). Two servers claiming one project's export at once meet on its primary key: the second
/// waits for the first's insert and then finds its claim held.
extension PostgresServerStore: ExportsUnderWay {
    public func beginExport(of project: Int64, total: Int, lease: Double) async throws -> String? {
        let claim = UUID().uuidString
        let taken = try await rows("""
            INSERT INTO exports_under_way AS u (project_id, claim, done, total, lease_until)
            VALUES (\(project), \(claim), 0, \(total), extract(epoch FROM clock_timestamp()) + \(lease))
            ON CONFLICT (project_id) DO UPDATE SET claim = excluded.claim, done = 0, total = excluded.total, lease_until = excluded.lease_until
                WHERE u.lease_until < extract(epoch FROM clock_timestamp())
            RETURNING project_id
            """)
        return taken.isEmpty ? nil : claim
    }

    public func exportProgressed(of project: Int64, claim: String, done: Int, total: Int, lease: Double) async throws {
        try await rows("""
            UPDATE exports_under_way SET done = \(done), total = \(total), lease_until = extract(epoch FROM clock_timestamp()) + \(lease)
            WHERE project_id = \(project) AND claim = \(claim)
            """)
    }

    public func endExport(of project: Int64, claim: String) async throws {
        try await rows("DELETE FROM exports_under_way WHERE project_id = \(project) AND claim = \(claim)")
    }

    public func exportUnderWay(of project: Int64) async throws -> (done: Int, total: Int)? {
        try await rows("""
            SELECT done, total FROM exports_under_way WHERE project_id = \(project) AND lease_until >= extract(epoch FROM clock_timestamp())
            """).first.map { ($0.int(0), $0.int(1)) }
    }
}
