import Foundation
import Logging
import QuorumCore
import QuorumStore
import Synchronization

/// Keeps agreement snapshots coming as answers arrive: after a submitted answer it checks, at most once a minute
/// per project, whether one is due, and computes it off the request's path.
final class AgreementSnapshots: Sendable {
    let database: any Store
    let agreements: AgreementCache
    let logger: Logger
    private let lastCheck = Mutex<[Int64: Date]>([:])

    init(database: any Store, agreements: AgreementCache, logger: Logger) {
        self.database = database
        self.agreements = agreements
        self.logger = logger
    }

    func answerSubmitted(in project: Project) {
        let now = Date()
        let check = lastCheck.withLock { last -> Bool in
            if let at = last[project.id], now.timeIntervalSince(at) < 60 { return false }
            last[project.id] = now
            return true
        }
        guard check else { return }
        let database = self.database, agreements = self.agreements, logger = self.logger
        Task.detached(priority: .background) {
            do {
                try await database.keepSnapshotIfDue(of: project) { try await agreements.agreement(of: project) }
            } catch {
                logger.error("agreement snapshot of project \(project.id) failed: \(error)")
            }
        }
    }
}
