import ArgumentParser
import Foundation
import QuorumCore
import QuorumModels
import QuorumStore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model over a project's items (the hold-out by default) and keep its answers.",
        discussion: """
            Each item's prompt is what its openai-chat export line holds without the final answer. Answers are kept as \
            they come: Ctrl+C loses nothing already answered, kill -9 or a crash at most the last second of answers, \
            and --resume RUN asks only for what is missing. A 429 insufficient_quota stops the run (exit 1); other \
            failures are recorded per item. The command holds the run while it runs (--lease): a second resume of it \
            is refused, a cancel on its runs page stops the command (exit 1), and once a killed command's hold lapses \
            a server takes the run over.
            Then: quorum eval PROJECT --run RUN.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The project's name or id.") var project: String
    @Option(help: "The model's name (quorum model list).") var model: String?
    @Option(help: "holdout|validation|train|all (validation: as the latest export split it)") var items = "holdout"
    @Option(help: "At most this many items (the first by id).") var limit: Int?
    @Option(help: "Go on with an earlier run: ask only for the items it has no answer for.") var resume: Int64?
    @OptionGroup var hold: RunHoldOptions
    @Flag(help: "Print the run's summary as JSON.") var json = false

    func run() async throws {
        try await reportingErrors(on: database) { db in
            let project = try await db.findRequiredProject(project)
            var run: Run
            if let resume {
                run = try await RunExecution.resumed(resume, in: project, purpose: .score, db: db)
            } else {
                let chosen = try await RunExecution.model(model, db: db)
                var ids = try await db.itemIDs(in: project, selection: items)
                if ids.isEmpty {
                    throw CLIError(items == "holdout" ? "\(project.name) has no hold-out yet: draw one with quorum holdout \(project.slug) --size N (or export with --holdout N)"
                                                     : "\(project.name) has no items to run on", code: 1)
                }
                if let limit { ids = Array(ids.prefix(limit)) }
                run = try await db.startRun(of: chosen, on: project, selection: items, itemIDs: ids)
            }
            let outcome: ModelRunner.Outcome
            (run, outcome) = try await RunExecution.execute(run, in: project, db: db, lease: hold.duration, showsProgress: !json)
            if json {
                print(run.json.jsonText)
            } else {
                let cost = run.model.cost(input: run.inputTokens, output: run.outputTokens).map { String(format: ", about $%.4f", $0) } ?? ""
                print("Run \(run.id) of \(run.model.name) on \(project.name): \(run.answered) of \(counted(run.itemIDs.count, "item")) answered, \(run.failed) failed; "
                      + "\(run.inputTokens) input and \(run.outputTokens) output tokens\(cost).")
                if case .finished = outcome { print("Next: quorum eval \(project.slug) --run \(run.id)") }
            }
            try RunExecution.exit(for: outcome, run: run, project: project)
        }
    }
}
