import Foundation
import Logging
import NIOConcurrencyHelpers
import QuorumCore
import QuorumModels
import QuorumStore

/// Runs started from the browser: each works through its items on a task of its own (off the request path),
/// keeping answers as they come; a run can be cancelled and resumed. A run whose server stopped is resumed by
/// hand (the page's Resume, or `quorum run --resume`): its answers are its progress.
final class RunManager: Sendable {
    let database: any Store
    let logger: Logger
    private let running = NIOLockedValueBox<[Int64: (task: Task<Void, Never>, done: Int, total: Int)]>([:])

    init(database: any Store, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Starts (or resumes) `run`: asks for the items it has no answer for. The key is read from the environment
    /// variable the model names; an unset one is an error before anything starts.
    func start(_ run: Run, in project: Project) async throws {
        guard running.withLockedValue({ $0[run.id] }) == nil else { throw StoreError(.conflict, "run \(run.id) is running already") }
        let key: String?
        do { key = try ModelRunner.key(for: run.model) } catch { throw StoreError(.invalid, "\(error)") }
        let missing = try await database.missingItems(of: run)
        let prompts = ModelRunner.prompts(project: project, itemIDs: missing, inputs: try await database.inputs(of: missing))
        try await database.resumeRun(run)
        let database = self.database, logger = self.logger, running = self.running
        let task = Task.detached {
            let outcome: ModelRunner.Outcome
            do {
                outcome = try await ModelRunner(model: run.model, key: key).run(prompts, save: { try await database.saveOutputs($0, of: run) }, progress: { done in
                    running.withLockedValue { $0[run.id]?.done = done }
                })
            } catch {
                logger.error("run \(run.id) failed: \(error)")
                outcome = .stopped("\(error)")
            }
            switch outcome {
            case .finished: try? await database.finishRun(run, status: .finished, message: nil)
            case .stopped(let message): try? await database.finishRun(run, status: .stopped, message: message)
            case .cancelled: try? await database.finishRun(run, status: .cancelled, message: "cancelled: resume it to ask for the rest")
            }
            _ = running.withLockedValue { $0.removeValue(forKey: run.id) }
        }
        running.withLockedValue { $0[run.id] = (task, 0, prompts.count) }
    }

    func cancel(_ id: Int64) -> Bool {
        guard let entry = running.withLockedValue({ $0[id] }) else { return false }
        entry.task.cancel()
        return true
    }

    /// Items asked so far in this server's current pass over the run, and how many it has to ask.
    func progress(_ id: Int64) -> (done: Int, total: Int)? {
        running.withLockedValue { $0[id].map { ($0.done, $0.total) } }
    }
}
