import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore
import Synchronization

extension ExportFormat: ExpressibleByArgument {}
extension ExportTarget: ExpressibleByArgument {}

extension ConsensusRule: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a project's agreed answers as training-ready files with a report.",
        discussion: """
            Each item's answer is its gold answer, else the answer enough annotators agree on (--consensus); items \
            left out are counted and listed by reason in the report. Every line is checked with the rules of \
            `quorum validate`; exact duplicates are kept once; contradictions (same prompt, different answers) are \
            left out unless --keep-contradictions. Writes train, validation (--validation F) and holdout (--holdout N, \
            kept apart for good) files, report.json and report.md. The same data and settings give the same bytes. \
            --target converts every line to that trainer's file (Azure OpenAI, Together, Fireworks, Mistral, Vertex, \
            Bedrock, TRL, Axolotl, LLaMA-Factory), checks it with the trainer's rules, writes the side files it needs \
            (dataset_info.json, axolotl.yaml) and lists in the report what the target could not carry, per item. \
            Exit 1, writing nothing, when the result would be empty or invalid. One export of a project runs at a \
            time: one under way elsewhere (the export page, another quorum export) is waited for, and this one's \
            progress shows on the export page.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The project's name or id.") var project: String
    @Option(help: "The folder to write into (created if missing).") var out: String
    @Option(help: "openai-chat|dpo|doccano|spacy|conll|csv") var format: ExportFormat = .openaiChat
    @Option(help: "Who trains on the files: \(ExportTarget.names).") var target: ExportTarget = .openai
    @Option(help: "The share of items for validation (stratified by label for classify projects).") var validation = 0.0
    @Option(help: "The size of the hold-out set; items once held out stay held out.") var holdout = 0
    @Option(help: "The seed of the shuffles and draws.") var seed: UInt64 = 0
    @Option(help: "all|majority|K: how many submitted answers must agree.") var consensus: ConsensusRule = .all
    @Option(help: "The model the cost and context limit are estimated for.") var model = FineTuningEstimate.defaultModel
    @Option(help: "USD per million training tokens.") var pricePerMillion = FineTuningEstimate.defaultPricePerMillion
    @Flag(help: "Keep items whose prompt has different answers elsewhere.") var keepContradictions = false
    @Option(help: "The o200k_base.tiktoken file (default: QUORUM_TOKENIZER or the one make fetched).") var tokenizer: String?
    @Flag(help: "Print report.json.") var json = false

    func run() async throws {
        try await reportingErrors {
            let settings = ExportSettings(format: format, consensus: consensus, validationFraction: validation, holdout: holdout,
                                          seed: seed, model: model, pricePerMillion: pricePerMillion, keepContradictions: keepContradictions,
                                          target: target)
            var counter: (any TokenCounter)? = nil
            if format.isFineTuningJSONL {
                let (found, note) = try TokenizerFile.counter(explicit: tokenizer)
                if let note, !json { Terminal.note("note: \(note)") }
                counter = found
            }
            let bar = ProgressBar(unit: "items", enabled: Terminal.stderrIsTerminal && !json)
            // Ctrl+C while it waits for another export or reads the items stops it: nothing written or recorded, the
            // claim let go.
            let interrupted = Mutex(false)
            let caught = Terminal.onInterrupt { interrupted.withLock { $0 = true } }
            defer { caught() }
            let (project, result) = try await database.withStore { store in
                let project = try await store.findRequiredProject(self.project)
                // One export of a project at a time, wherever it was started: its progress shows on the export page.
                let total = try await store.summary(of: project).items
                let claim = try await Self.claim(project, total: total, in: store) { interrupted.withLock { $0 } }
                let result = try await store.telling(project.id, claim: claim, total: total) { progress in
                    try await database.withExportStore { exporter in
                        try ProjectExport(database: exporter, project: project, settings: settings, directory: out, counter: counter).run(by: nil) {
                            if interrupted.withLock({ $0 }) { throw Self.cancelled }
                            bar.update(done: $0, total: $1, count: $0)
                            progress($0, $1)
                        }
                    }
                }
                return (project, result)
            }
            bar.finish()
            if json {
                print(result.report.json.jsonText)
            } else {
                let count = result.report.count
                print("Exported \(project.name) as \(format.rawValue) for \(target.rawValue) into \(out): \(count.train) train, \(count.validation) validation, \(count.holdout) hold-out; \(result.report.plan.excluded.count) left out.")
                for (what, items) in result.report.plan.dropped { print("  dropped from \(counted(items.count, "item")): \(what)") }
                for file in result.report.files where !file.validFor.isEmpty {
                    print("  \(file.name) is valid as it is for \(file.validFor.map(\.rawValue).joined(separator: ", "))")
                }
                let drawn = result.report.plan.newlyHeldOut.count
                if drawn > 0 { print("  \(counted(drawn, "item")) drawn into the hold-out set now; they stay there in later exports") }
                for (reason, n) in result.report.plan.excludedByReason { print("  \(n) \(reason.rawValue)") }
                for warning in result.report.warnings { print("warning: \(warning)") }
                print("Report: \((out as NSString).appendingPathComponent("report.md"))")
            }
        }
    }

    static let cancelled = CLIError("cancelled: nothing was written", code: 130)

    /// The project's export claim, waited for while another export of it runs (from the browser, or another
    /// `quorum export`) unless the wait is `interrupted`; a claim its process stopped renewing lapses within
    /// `ExportClaim.lease` seconds.
    static func claim(_ project: Project, total: Int, in store: any Store, interrupted: () -> Bool) async throws -> String {
        var told = false
        while true {
            if let claim = try await store.beginExport(of: project.id, total: total, lease: ExportClaim.lease) { return claim }
            if interrupted() { throw Self.cancelled }
            if !told, let other = try await store.exportUnderWay(of: project.id) {
                Terminal.note("waiting: an export of \(project.name) is under way (\(other.done) of \(other.total) items read), "
                              + "from the browser or another quorum export")
                told = true
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
