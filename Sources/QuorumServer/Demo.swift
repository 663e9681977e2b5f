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
    public static func seed(database: AppDatabase, resources: Resources) async throws -> [String] {
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
        added.append(try await seedWatch(database: database))
        return added
    }

    static let evaluationProject = "Demo: model evaluation"

    /// A model watched in production, offline: four weeks of *recorded* samples from two versions of a support bot
    /// (v1 slipping in its last week, v2 steady), rated pass/fail by a recorded judge account (disabled: nobody signs
    /// in as it), so the trend, its intervals and an alert show at once; later samples wait for real judges.
    static func seedWatch(database: AppDatabase) async throws -> String {
        let name = "Demo: support bot in production"
        let project = try database.createWatchProject(name: name, scale: .passFail, alertBelow: 0.8, guidelines: """
            # Watching a model in production

            These samples and their first ratings are **recorded** for the demo (no service sent them, and the ratings are \
            a recorded judge's). Pass an answer that is right, polite and complete; fail it otherwise. The dashboard's \
            Trend link shows each version's pass rate per week.
            """)
        var samples: [WatchSample] = []
        for week in 0..<4 {
            for n in 0..<12 {
                for version in ["support-bot:v1", "support-bot:v2"] where week >= (version.hasSuffix("v2") ? 2 : 0) {
                    let day = String(format: "2026-11-%02d", 2 + week * 7 + n % 5)
                    let messages: [JSONValue] = [["role": "user", "content": .string("Question \(week * 12 + n) about my card (\(version.suffix(2)))")],
                                                 ["role": "assistant", "content": .string("Answer \(week * 12 + n) from the bot")]]
                    samples.append(WatchSample(messages: messages, model: version, servedAt: "\(day)T10:00:00.000Z",
                                               meta: [("channel", .string(n % 3 == 0 ? "email" : "chat"))]))
                }
            }
        }
        _ = try database.addSamples(samples, to: project)
        let judge = try database.createUser(username: "recorded-judge", role: .annotator, passwordHash: nil, disabled: true)
        try database.addMember(project: project, user: judge)
        var rated = 0
        // All but the last few, so some are left for a newcomer to rate.
        while rated < samples.count - 6, let (item, _, _) = try await database.nextItem(in: project, for: judge) {
            let text = item.input["messages"]?.arrayValue?.first?.contentText ?? ""
            let number = Int(text.split(separator: " ")[1]) ?? 0
            // v1 passes nine in ten until its last week, then one in four; v2 nine in ten throughout.
            let slipping = text.hasSuffix("(v1)") && number >= 36
            let pass = slipping ? number % 4 == 0 : number % 10 != 3
            var rating = AnnotationInput(status: .submitted)
            rating.rating = pass ? "pass" : "fail"
            _ = try await database.saveAnnotation(rating, itemID: item.id, by: judge)
            rated += 1
        }
        return name
    }

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
