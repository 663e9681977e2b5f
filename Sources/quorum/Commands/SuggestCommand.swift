import ArgumentParser
import Foundation
import QuorumCore
import QuorumModels
import QuorumStore

struct SuggestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Let a model suggest answers to a project's items, for annotators to accept, correct or reject.",
        discussion: """
            A run like any other (retries, --resume, --lease, progress) whose answers become the items' suggestions: classify, \
            the label(s) named; spans, the entities listed, found in the text (one not found is dropped); chat, a \
            drafted final answer to correct. --withhold SHARE serves that share of the items (drawn with the run as the \
            seed) with no suggestion at all, so that quorum agreement can show how much the suggestions sway people.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The project's name or id.") var project: String
    @Option(help: "The model's name (quorum model list).") var model: String?
    @Option(help: "unanswered|all") var items = "unanswered"
    @Option(help: "At most this many items (the first by id).") var limit: Int?
    @Option(help: "The share of the items served without a suggestion (0 … 0.9).") var withhold = 0.0
    @Option(help: "Go on with an earlier suggesting run.") var resume: Int64?
    @OptionGroup var hold: RunHoldOptions
    @Flag(help: "Print {\"run\", \"suggested\", \"withheld\", \"failed\"}.") var json = false

    func run() async throws {
        try await reportingErrors(on: database) { db in
            let project = try await db.findRequiredProject(project)
            var run: Run
            if let resume {
                run = try await RunExecution.resumed(resume, in: project, purpose: .suggest, db: db)
            } else {
                let chosen = try await RunExecution.model(model, db: db)
                run = try await db.startSuggestions(of: chosen, on: project, items: items, limit: limit, withhold: withhold)
            }
            let outcome: ModelRunner.Outcome
            (run, outcome) = try await RunExecution.execute(run, in: project, db: db, lease: hold.duration, showsProgress: !json)
            let counts = try await db.suggestionCounts(of: run)
            if json {
                print((["run": .number(String(run.id)), "suggested": .int(counts.suggested), "withheld": .int(counts.withheld),
                        "failed": .int(counts.failed)] as JSONValue).jsonText)
            } else {
                print("Run \(run.id) of \(run.model.name) on \(project.name): \(counts.suggested) items suggested, \(counts.withheld) withheld "
                      + "(no suggestion shown), \(counts.failed) without one (the endpoint failed, or the answer suggested nothing).")
            }
            try RunExecution.exit(for: outcome, run: run, project: project)
        }
    }
}
