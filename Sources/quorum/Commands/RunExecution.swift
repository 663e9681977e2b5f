import ArgumentParser
import Foundation
import QuorumCore
import QuorumModels
import QuorumStore

/// What `quorum run` and `quorum suggest` share: a run worked through to its end from the command line — the items
/// still without an answer asked for, a progress bar, Ctrl+C and SIGTERM keeping what was answered — and how it ended.
enum RunExecution {
    /// The run `--resume` names, of the project and the purpose, marked running again.
    static func resumed(_ id: Int64, in project: Project, purpose: Run.Purpose, db: any Store) async throws -> Run {
        guard let found = try await db.run(id), found.projectID == project.id, found.purpose == purpose else {
            throw CLIError("no \(purpose == .suggest ? "suggesting " : "")run \(id) in \(project.name)", code: 2)
        }
        guard try await db.resumeRun(found, holdUntil: nil) else {
            throw CLIError("run \(id) is being driven by a server (quorum serve): cancel it on its runs page first", code: 1)
        }
        return found
    }

    /// The model `--model` names.
    static func model(_ name: String?, db: any Store) async throws -> Model {
        guard let name, let chosen = try await db.model(name) else {
            throw CLIError(name == nil ? "give --model NAME (quorum model list), or --resume RUN" : "no model named \(name!) (quorum model list)", code: 2)
        }
        return chosen
    }

    static func execute(_ run: Run, in project: Project, db: any Store, showsProgress: Bool) async throws -> (Run, ModelRunner.Outcome) {
        let key: String?
        do { key = try ModelRunner.key(for: run.model) } catch { throw CLIError("\(error)", code: 2) }
        let missing = try await db.missingItems(of: run)
        let prompts = ModelRunner.prompts(project: project, itemIDs: missing, inputs: try await db.inputs(of: missing))
        let bar = ProgressBar(unit: "items", enabled: Terminal.stderrIsTerminal && showsProgress)
        let total = prompts.count
        let task = Task { () throws -> ModelRunner.Outcome in
            try await ModelRunner(model: run.model, key: key).run(prompts, save: { try await db.saveOutputs($0, of: run) },
                                                                   progress: { bar.update(done: $0, total: total, count: $0) })
        }
        let interrupts = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { interrupts.forEach { $0.cancel() } }
        let outcome = try await task.value
        bar.finish()
        let again = "quorum \(run.purpose == .suggest ? "suggest" : "run") \(project.slug) --resume \(run.id)"
        switch outcome {
        case .finished: try await db.finishRun(run, status: .finished, message: nil)
        case .stopped(let message): try await db.finishRun(run, status: .stopped, message: message)
        case .cancelled: try await db.finishRun(run, status: .cancelled, message: "cancelled: \(again) goes on")
        }
        return (try await db.run(run.id) ?? run, outcome)
    }

    /// Ends the command as the run ended: a quota stop exits 1, a cancel 130.
    static func exit(for outcome: ModelRunner.Outcome, run: Run, project: Project) throws {
        switch outcome {
        case .finished: return
        case .stopped(let message):
            Terminal.error(message)
            throw ExitCode(1)
        case .cancelled:
            Terminal.error("cancelled: quorum \(run.purpose == .suggest ? "suggest" : "run") \(project.slug) --resume \(run.id) asks for the rest")
            throw ExitCode(130)
        }
    }
}
