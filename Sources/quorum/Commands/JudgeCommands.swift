import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

/// `quorum compare create|results`: blind pairwise judgement of runs' answers.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Judge two models' answers side by side, blind, and read what the judges said.",
        subcommands: [Create.self, Results.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a compare project from runs of a project: one item per source item and pair of runs that both answered it.",
            discussion: """
                Annotators see the prompt and the two answers as "Response 1" and "Response 2", the sides drawn per \
                item and annotator; no model or run name reaches them. Prints {"project": ID, "items": N} with --json.
                """)
        @OptionGroup var options: JudgingOptions
        @Option(help: "all: every pair of runs; first: each run against the first.") var pairs: String = "all"

        func run() async throws {
            try await reportingErrors(on: options.database) { db in
                guard let pairs = JudgingSetup.Pairs(rawValue: pairs) else { throw CLIError("--pairs must be all or first", code: 2) }
                try await options.create(kind: .compare, pairs: pairs, scale: nil, in: db)
            }
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the judges said: win rates with intervals, side bias, agreement, Bradley–Terry for three runs or more.",
            discussion: """
                Per pair (a = the pair's first run): wins, losses, ties, both bad; the win rate (ties and both bad as \
                half) with its Wilson 95% interval and an item-bootstrap interval (2,000 resamples, fixed seed); the \
                decisive win rate; the exact sign test. Also works on rate projects (means per run and criterion, \
                ordinal alpha).
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The compare (or rate) project's name or id.") var project: String
        @Option(help: "Also group the results by this field of the source items (label, or a meta column).") var by: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let results = try await db.judgingResults(of: try await db.findRequiredProject(project), by: by)
                print(json ? results.json.jsonText : results.text)
            }
        }
    }
}

/// `quorum rate create|results`: answers rated alone on a scale, blind to the model.
struct RateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Rate models' answers one at a time on a scale, blind, and read the means.",
        subcommands: [Create.self, CompareCommand.Results.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a rate project from runs of a project: one item per source item and run that answered it.")
        @OptionGroup var options: JudgingOptions
        @Option(help: "pass-fail or 1-5.") var scale: String

        func run() async throws {
            try await reportingErrors(on: options.database) { db in
                guard let scale = JudgingSetup.Scale(rawValue: scale) else { throw CLIError("--scale must be pass-fail or 1-5", code: 2) }
                try await options.create(kind: .rate, pairs: .all, scale: scale, in: db)
            }
        }
    }
}

/// What `compare create` and `rate create` share.
struct JudgingOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The new project's name.") var name: String
    @Option(help: "The project whose runs' answers are judged.") var from: String
    @Option(help: "The runs, comma-separated, in order (a pair's first run is its a).") var runs: String
    @Option(help: "How many annotators judge each item.") var annotatorsPerItem = 1
    @Option(help: "Criteria judged besides the overall verdict, comma-separated (helpful,correct,…).") var criteria: String = ""
    @Flag(help: "Print JSON.") var json = false

    func create(kind: ProjectKind, pairs: JudgingSetup.Pairs, scale: JudgingSetup.Scale?, in db: any Store) async throws {
        let source = try await db.findRequiredProject(from)
        var chosen: [Run] = []
        for text in runs.split(separator: ",") {
            guard let id = Int64(text.trimmingCharacters(in: .whitespaces)), let run = try await db.run(id) else {
                throw CLIError("no run \"\(text)\" (a project's runs page lists its runs)", code: 2)
            }
            chosen.append(run)
        }
        let names: [String]
        do { names = try JudgingSetup.criteria(from: criteria) } catch { throw CLIError("--criteria: \(error.message)", code: 2) }
        let (project, items) = try await db.createJudgingProject(name: name, kind: kind, from: source, runs: chosen, pairs: pairs, scale: scale,
                                                           criteria: names, annotatorsPerItem: annotatorsPerItem, guidelines: "")
        if json {
            print((["project": .number(String(project.id)), "items": .int(items)] as JSONValue).jsonText)
        } else {
            print("Created \(kind.rawValue) project \(project.id) \"\(project.name)\" with \(items) item\(items == 1 ? "" : "s"); "
                  + "let annotators judge it with quorum project add-member \(project.id) USER.")
        }
    }
}
