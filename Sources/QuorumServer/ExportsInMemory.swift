import Foundation
import QuorumStore
import Synchronization

/// The exports under way on SQLite, where one server serves the database: kept in its memory.
final class ExportsInMemory: ExportsUnderWay {
    private let running = Mutex<[Int64: (claim: String, done: Int, total: Int, until: Date)]>([:])

    func beginExport(of project: Int64, total: Int, lease: Double) -> String? {
        running.withLock { state in
            if let held = state[project], held.until >= Date() { return nil }
            let claim = UUID().uuidString
            state[project] = (claim, 0, total, Date().addingTimeInterval(lease))
            return claim
        }
    }

    func exportProgressed(of project: Int64, claim: String, done: Int, total: Int, lease: Double) {
        running.withLock { state in
            guard state[project]?.claim == claim else { return }
            state[project] = (claim, done, total, Date().addingTimeInterval(lease))
        }
    }

    func endExport(of project: Int64, claim: String) {
        running.withLock { state in
            if state[project]?.claim == claim { state[project] = nil }
        }
    }

    func exportUnderWay(of project: Int64) -> (done: Int, total: Int)? {
        running.withLock { state in
            state[project].flatMap { $0.until >= Date() ? ($0.done, $0.total) : nil }
        }
    }
}
