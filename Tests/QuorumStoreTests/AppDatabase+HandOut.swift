import GRDB
import QuorumCore
@testable import QuorumStore

extension AppDatabase {
    /// Hands an item to an annotator as `nextItem` does (a lease), for tests that answer items in an order of their own.
    func handOut(_ itemID: Int64, to user: User) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO leases (item_id, annotator_id, expires_at) VALUES (?, ?, '9999-12-31')",
                           arguments: [itemID, user.id])
        }
    }
}
