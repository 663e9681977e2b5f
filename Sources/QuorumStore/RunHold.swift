import Foundation
import Logging
import QuorumCore
import Synchronization

/// A model run held by the one process driving it, a server or `quorum run`, so that no other drives it at the same
/// time (each item asked for, and paid for, once). The hold is a lease on the run's row, renewed every third of its
/// length while the run goes on. A renewal that finds the row changed loses the hold: the run was cancelled on its
/// runs page, or this process went quiet past its lease (killed, suspended, cut off from the database) and another
/// took the run over. The work `drive` runs is then cancelled, and what ended it must not mark the run ended (`isLost`).
public final class RunHold: Sendable {
    public let run: Run
    private let store: any ModelStore
    private let lease: Duration
    private let logger: Logger
    /// The hold as the row stores it (what the next renewal expects to find), and whether a renewal found another.
    private let state: Mutex<(held: String, lost: Bool)>

    /// A hold on `run` (new, or to resume) unless another process holds it now; nil then.
    public static func take(_ run: Run, in store: any ModelStore, for lease: Duration, logger: Logger) async throws -> RunHold? {
        guard let held = try await store.resumeRun(run, holdFor: seconds(lease)) else { return nil }
        return RunHold(run, held: held, in: store, for: lease, logger: logger)
    }

    /// Each run taken over (`ModelStore.takeLapsedRuns(holdFor:)`) with its hold: `lease` long, from now.
    public static func takeLapsed(in store: any ModelStore, for lease: Duration, logger: Logger) async throws -> [RunHold] {
        let (runs, held) = try await store.takeLapsedRuns(holdFor: seconds(lease))
        return runs.map { RunHold($0, held: held, in: store, for: lease, logger: logger) }
    }

    private init(_ run: Run, held: String, in store: any ModelStore, for lease: Duration, logger: Logger) {
        self.run = run
        self.store = store
        self.lease = lease
        self.logger = logger
        state = Mutex((held, false))
    }

    /// Whether a renewal found the run no longer this process's.
    public var isLost: Bool { state.withLock { $0.lost } }

    /// Runs `work` while renewing the hold; cancels it once the hold is lost, and returns what it returns then.
    public func drive<Outcome: Sendable>(_ work: @escaping @Sendable () async throws -> Outcome) async throws -> Outcome {
        try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                await self.renewUntilLost()
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let outcome = next { return outcome }
                group.cancelAll()  // the hold is lost (or this task was cancelled): the work stops and says how far it got
            }
            throw CancellationError()
        }
    }

    /// Renews the hold every third of the lease until it is lost or this task is cancelled. A renewal that fails (the
    /// database unreachable) is tried again at the next turn; past the lease, another process may take the run over,
    /// and the next renewal then finds the hold lost.
    private func renewUntilLost() async {
        while true {
            do { try await Task.sleep(for: lease / 3) } catch { return }
            let held = state.withLock { $0.held }
            do {
                if let renewed = try await store.holdRun(run, held: held, for: Self.seconds(lease)) {
                    state.withLock { $0.held = renewed }
                } else {
                    state.withLock { $0.lost = true }
                    return
                }
            } catch {
                logger.error("run \(run.id): its hold could not be renewed: \(error)")
            }
        }
    }

    private static func seconds(_ lease: Duration) -> Double {
        Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
    }
}
