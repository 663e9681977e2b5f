import Foundation
import Logging
import NIOConcurrencyHelpers
import QuorumCore
import QuorumModels
import QuorumStore
import ServiceLifecycle

/// Runs started from the browser: each works through its items on a task of its own (off the request path),
/// keeping answers as they come; a run can be cancelled and resumed. The server driving a run holds it (`RunHold`);
/// a run whose process stopped (a server or `quorum run` killed, or its machine gone) is taken over by a server's
/// sweep once its hold lapses, and goes on from its answers.
final class RunManager: Sendable {
    let database: any Store
    let lease: Duration
    let logger: Logger
    /// The runs this server drives (nil while one is being started). How far each got is read from its outputs in the
    /// database, which every server sees.
    private let running = NIOLockedValueBox<[Int64: Task<Void, Never>?]>([:])

    init(database: any Store, lease: Duration, logger: Logger) {
        self.database = database
        self.lease = lease
        self.logger = logger
    }

    /// Starts `run` (new, resumed, or `takenOver` from a stopped process with that hold): asks for the items it has no
    /// answer for. The key is read from the environment variable the model names; an unset one is an error before
    /// anything starts. A run another process holds is not started here.
    func start(_ run: Run, in project: Project, takenOver: RunHold? = nil) async throws {
        // Marked as driven here at once: two starts of one run at the same moment (a double click) never both ask.
        let marked = running.withLockedValue { running -> Bool in
            guard !running.keys.contains(run.id) else { return false }
            running.updateValue(nil, forKey: run.id)
            return true
        }
        guard marked else { throw StoreError(.conflict, "run \(run.id) is running already") }
        let key: String?, prompts: [ModelRunner.Prompt], hold: RunHold
        do {
            do { key = try ModelRunner.key(for: run.model) } catch { throw StoreError(.invalid, "\(error)") }
            let missing = try await database.missingItems(of: run)
            prompts = ModelRunner.prompts(project: project, itemIDs: missing, inputs: try await database.inputs(of: missing))
            if let takenOver {
                hold = takenOver
            } else if let taken = try await RunHold.take(run, in: database, for: lease, logger: logger) {
                hold = taken
            } else {
                throw StoreError(.conflict, "run \(run.id) is running already")
            }
        } catch {
            _ = running.withLockedValue { $0.removeValue(forKey: run.id) }
            throw error
        }
        let database = self.database, logger = self.logger, running = self.running
        // Made under the lock that its end takes too: a run over at once cannot remove its entry before it is there.
        running.withLockedValue { driven in
            driven[run.id] = Task.detached {
                let outcome: ModelRunner.Outcome
                do {
                    outcome = try await hold.drive {
                        try await ModelRunner(model: run.model, key: key).run(prompts, save: { try await database.saveOutputs($0, of: run) })
                    }
                } catch {
                    logger.error("run \(run.id) failed: \(error)")
                    outcome = .stopped("\(error)")
                }
                if hold.isLost {
                    logger.info("run \(run.id): cancelled elsewhere, or taken over by another process; stopped here")
                } else {
                    switch outcome {
                    case .finished: try? await database.finishRun(run, status: .finished, message: nil)
                    case .stopped(let message): try? await database.finishRun(run, status: .stopped, message: message)
                    case .cancelled: try? await database.finishRun(run, status: .cancelled, message: "cancelled: resume it to ask for the rest")
                    }
                }
                _ = running.withLockedValue { $0.removeValue(forKey: run.id) }
            }
        }
    }

    /// Takes over the runs whose process stopped holding them, and goes on with them here.
    func sweep() async {
        do {
            for hold in try await RunHold.takeLapsed(in: database, for: lease, logger: logger) {
                let run = hold.run
                do {
                    guard let project = try await database.project(id: run.projectID) else { continue }
                    logger.info("run \(run.id): the process driving it stopped; going on with it here")
                    try await start(run, in: project, takenOver: hold)
                } catch {
                    try? await database.finishRun(run, status: .stopped, message: "taken over from a stopped process, but: \(error)")
                }
            }
        } catch {
            logger.error("looking for runs whose process stopped: \(error)")
        }
    }

    /// Cancels a run driven here; one driven by another process is marked cancelled, and that process stops it when it
    /// next renews its hold. False when the run was not running.
    func cancel(_ run: Run) async throws -> Bool {
        if let task = running.withLockedValue({ $0[run.id] ?? nil }) {
            task.cancel()
            return true
        }
        guard run.status == .running else { return false }
        try await database.finishRun(run, status: .cancelled, message: "cancelled: resume it to ask for the rest")
        return true
    }

    /// Whether this server drives the run.
    func drives(_ id: Int64) -> Bool {
        running.withLockedValue { $0.keys.contains(id) }
    }
}

/// Every server looks for runs whose process stopped, every third of the lease, until it shuts down.
struct RunSweeper: Service {
    let runs: RunManager

    /// Returns only once the server shuts down (a service that returns would stop the server).
    func run() async {
        let runs = self.runs
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: runs.lease / 3)
                if !Task.isCancelled { await runs.sweep() }
            }
        }
    }
}
