import ArgumentParser
import Foundation
import Logging
import QuorumCore
import QuorumModels
import QuorumStore

/// What `quorum run` and `quorum suggest` share: a run worked through to its end from the command line — the items
/// still without an answer asked for, a progress bar, Ctrl+C and SIGTERM keeping what was answered — and how it ended.
enum RunExecution {
    /// The run `--resume` names, of the project and the purpose.
    static func resumed(_ id: Int64, in project: Project, purpose: Run.Purpose, db: any Store) async throws -> Run {
        guard let found = try await db.run(id), found.projectID == project.id, found.purpose == purpose else {
            throw CLIError("no \(purpose == .suggest ? "suggesting " : "")run \(id) in \(project.name)", code: 2)
        }
        return found
    }

    /// The model `--model` names, its key set (checked before a run is made, so that none is left running unasked).
    static func model(_ name: String?, db: any Store) async throws -> Model {
        guard let name, let chosen = try await db.model(name) else {
            throw CLIError(name == nil ? "give --model NAME (quorum model list), or --resume RUN" : "no model named \(name!) (quorum model list)", code: 2)
        }
        _ = try key(for: chosen)
        return chosen
    }

    /// The key from the environment variable the model names (nil when it names none).
    private static func key(for model: Model) throws -> String? {
        do { return try ModelRunner.key(for: model) } catch { throw CLIError("\(error)", code: 2) }
    }

    /// Holds the run (refused while another process drives it) and asks for what it has no answer for. A hold lost
    /// meanwhile stops the command: the run was cancelled on its runs page, or taken over after this process went quiet.
    static func execute(_ run: Run, in project: Project, db: any Store, lease: Duration, showsProgress: Bool) async throws -> (Run, ModelRunner.Outcome) {
        let key = try self.key(for: run.model)
        guard let hold = try await RunHold.take(run, in: db, for: lease, logger: Logger(label: "quorum.run")) else {
            throw CLIError("run \(run.id) is being driven by another process (a server, or quorum \(command(run)) elsewhere): cancel it on its runs page; "
                           + "if that process was stopped, resume once its hold lapses (by default 30 s after its last word)", code: 1)
        }
        let missing = try await db.missingItems(of: run)
        let prompts = ModelRunner.prompts(project: project, itemIDs: missing, inputs: try await db.inputs(of: missing))
        let bar = ProgressBar(unit: "items", enabled: Terminal.stderrIsTerminal && showsProgress)
        let total = prompts.count
        let task = Task { () throws -> ModelRunner.Outcome in
            try await hold.drive {
                try await ModelRunner(model: run.model, key: key).run(prompts, save: { try await db.saveOutputs($0, of: run) },
                                                                       progress: { bar.update(done: $0, total: total, count: $0) })
            }
        }
        let caught = Terminal.onInterrupt { task.cancel() }
        defer { caught() }
        let outcome = try await task.value
        bar.finish()
        if hold.isLost {
            let now = try await db.run(run.id) ?? run
            throw CLIError(now.status == .running ? "run \(run.id) was taken over by another process (this one went quiet past its hold); its answers so far are kept"
                                                  : "run \(run.id) was \(now.status.rawValue) elsewhere; its answers so far are kept", code: 1)
        }
        let again = "quorum \(command(run)) \(project.slug) --resume \(run.id)"
        switch outcome {
        case .finished: try await db.finishRun(run, status: .finished, message: nil)
        case .stopped(let message): try await db.finishRun(run, status: .stopped, message: message)
        case .cancelled: try await db.finishRun(run, status: .cancelled, message: "cancelled: \(again) goes on")
        }
        return (try await db.run(run.id) ?? run, outcome)
    }

    private static func command(_ run: Run) -> String { run.purpose == .suggest ? "suggest" : "run" }

    /// Ends the command as the run ended: a quota stop exits 1, a cancel 130.
    static func exit(for outcome: ModelRunner.Outcome, run: Run, project: Project) throws {
        switch outcome {
        case .finished: return
        case .stopped(let message):
            Terminal.error(message)
            throw ExitCode(1)
        case .cancelled:
            Terminal.error("cancelled: quorum \(command(run)) \(project.slug) --resume \(run.id) asks for the rest")
            throw ExitCode(130)
        }
    }
}
