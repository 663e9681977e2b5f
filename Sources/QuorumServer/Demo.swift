import Foundation
import QuorumCore
import QuorumStore

/// The demo projects `make run` shows: a few dozen hand-written items of each kind, from `demo/`.
public enum Demo {
    struct Entry {
        let name: String
        let kind: ProjectKind
        let labels: [String]
        let annotators: Int
        let file: String
        let guidelines: String
    }

    static let entries = [
        Entry(name: "Demo: support replies", kind: .chat, labels: ["helpful", "wrong", "rude", "off-topic"], annotators: 2,
              file: "support-replies.jsonl",
              guidelines: "# Support replies\n\nRead the customer's message and the assistant's reply.\n\n- **Accept** a reply that is correct, polite and complete.\n- **Correct** the reply in place when it is nearly right.\n- **Reject** a reply that cannot be saved.\n"),
        Entry(name: "Demo: banking tickets", kind: .classify, labels: [], annotators: 2, file: "banking-tickets.csv",
              guidelines: "# Banking tickets\n\nPick the one category that the customer needs help with. When two fit, pick the one the customer asks about *first*.\n"),
        Entry(name: "Demo: entities", kind: .spans, labels: ["person", "location", "organization", "product"], annotators: 2,
              file: "entities.jsonl",
              guidelines: "# Entities\n\nMark people, places, organizations and products. Mark the shortest span that names the entity; leave titles (*Dr.*, *Ms.*) out.\n"),
    ]

    /// Adds the demo projects when the database has none; returns the names added.
    public static func seed(database: AppDatabase, resources: Resources) throws -> [String] {
        guard try database.projectSummaries().isEmpty else { return [] }
        var added: [String] = []
        for entry in entries {
            let project = try database.createProject(name: entry.name, kind: entry.kind, labels: entry.labels,
                                                     annotatorsPerItem: entry.annotators, guidelines: entry.guidelines)
            let path = resources.demo.appendingPathComponent(entry.file).path
            let summary = try database.importItems(into: project, from: .file(path), options: ImportOptions(fileName: entry.file))
            guard summary.committed else { throw StoreError(.invalid, "the demo file \(entry.file) has errors: \(summary.text)") }
            added.append(entry.name)
        }
        added += try seedModelLoop(database: database, resources: resources)
        return added
    }

    static let evaluationProject = "Demo: model evaluation"

    /// The model loop, offline: a classify project labelled elsewhere (its answers imported as gold), a hold-out,
    /// and two runs of two *recorded* models over it. No endpoint is called: the answers are stored as a run stores
    /// them, made for the demo (the base model right on about three items in five, the fine-tuned one on nine in
    /// ten), and the models' names, their endpoint and each run's message say so. Runs and comparisons then work
    /// as with a real endpoint.
    /// Also judged blind, offline: a compare project of the two recorded runs' answers (with a criterion) and a rate
    /// project of them on pass/fail, waiting for their judges.
    static func seedModelLoop(database: AppDatabase, resources: Resources) throws -> [String] {
        let project = try database.createProject(name: evaluationProject, kind: .classify, annotatorsPerItem: 1,
                                                 guidelines: "# Model evaluation\n\nThe hold-out of these tickets was answered by two **recorded** models (no endpoint is called in the demo). Open the runs page to compare them. The fine-tuned one also suggests a label for each ticket (recorded too; a tenth of the tickets go without, to measure how much the suggestions sway): annotate to see them, and the dashboard to see how they fared.\n")
        var options = ImportOptions(fileName: "banking-tickets.csv")
        options.asGold = true
        _ = try database.importItems(into: project, from: .file(resources.demo.appendingPathComponent("banking-tickets.csv").path), options: options)
        guard let stored = try database.project(id: project.id) else { return [project.name] }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-demo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try ProjectExport(database: database, project: stored, settings: ExportSettings(holdout: 20, seed: 1), directory: folder, counter: nil).drawHoldout()
        let held = try database.itemIDs(in: stored, selection: "holdout")
        var runs: [Run] = []
        for (name, rightOf) in [("recorded base model (demo)", (3, 5)), ("recorded fine-tuned model (demo)", (9, 10))] {
            let model = try database.addModel(Model(name: name, baseURL: "http://127.0.0.1:9/v1", model: "recorded-outputs-no-endpoint", concurrency: 1,
                                                    priceInput: 0.15, priceOutput: 0.6))
            let run = try database.startRun(of: model, on: stored, selection: "holdout", itemIDs: held)
            var outputs: [RunOutput] = []
            for (n, id) in held.enumerated() {
                guard let (item, _) = try database.item(id: id), let label = try database.gold(for: item)?["answer"]?["labels"]?.arrayValue?.first?.stringValue else { continue }
                let right = n % rightOf.1 < rightOf.0
                let other = stored.labels.first { $0 != label } ?? label
                outputs.append(RunOutput(itemID: id, output: right ? label : other, finishReason: "stop", inputTokens: 60, outputTokens: 3,
                                         latencyMs: 0, attempts: 1, error: nil))
            }
            try database.saveOutputs(outputs, of: run)
            try database.finishRun(run, status: .finished, message: "recorded outputs made for the demo: no endpoint was called")
            runs.append(run)
        }
        // The fine-tuned model's suggestions for whoever annotates the items, a tenth withheld (the anchoring
        // check), recorded the same way.
        let tuned = runs[1].model
        let suggesting = try database.startSuggestions(of: tuned, on: stored, items: "unanswered", withhold: 0.1)
        var suggested: [RunOutput] = []
        for (n, id) in suggesting.itemIDs.enumerated() {
            guard let (item, _) = try database.item(id: id), let label = try database.gold(for: item)?["answer"]?["labels"]?.arrayValue?.first?.stringValue else { continue }
            let other = stored.labels.first { $0 != label } ?? label
            suggested.append(RunOutput(itemID: id, output: n % 10 < 9 ? label : other, finishReason: "stop", inputTokens: 60, outputTokens: 3,
                                       latencyMs: 0, attempts: 1, error: nil))
        }
        try database.saveOutputs(suggested, of: suggesting)
        try database.finishRun(suggesting, status: .finished, message: "recorded suggestions made for the demo: no endpoint was called")
        let judged = "Demo: which model answers better", rated = "Demo: rate the answers"
        let guidelines = "# Judging, blind\n\nThe answers are the two **recorded** demo runs' (no endpoint was called). You do not see which model wrote which: judge the answer, not the writer.\n"
        _ = try database.createJudgingProject(name: judged, kind: .compare, from: stored, runs: runs, criteria: ["correct"], annotatorsPerItem: 2,
                                              guidelines: guidelines)
        _ = try database.createJudgingProject(name: rated, kind: .rate, from: stored, runs: runs, scale: .passFail, annotatorsPerItem: 1,
                                              guidelines: guidelines)
        return [project.name, judged, rated]
    }
}
