import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    /// Starts a suggesting run: the project's items without a submitted answer (`unanswered`) or all of them, the
    /// first `limit` by id; `withhold` of them (a share, drawn with the run's id as the seed) are marked to go
    /// without any suggestion, so that the annotators' agreement with the model where it was shown can be set
    /// against where it was not. The model still answers them; the answers are kept, not shown.
    public func startSuggestions(of model: Model, on project: Project, items: String, limit: Int? = nil, withhold: Double = 0) throws -> Run {
        let condition = try Self.suggestionSelection(items, in: project, withhold: withhold)
        return try writer.write { db in
            var ids = try Int64.fetchAll(db, sql: "SELECT i.id FROM items i WHERE i.project_id = ?1 AND \(Self.published("?1")) AND \(condition) ORDER BY i.id",
                                         arguments: [project.id])
            if let limit { ids = Array(ids.prefix(limit)) }
            guard !ids.isEmpty else { throw StoreError(.invalid, "\(project.name) has no \(items == "all" ? "" : "unanswered ")items to suggest answers for") }
            let run = try Self.insertRun(db, of: model, on: project, selection: items, itemIDs: ids, purpose: .suggest)
            let held = Self.withheld(ids, share: withhold, run: run)
            let mark = try db.makeStatement(sql: "UPDATE items SET suggestion_withheld = 1 WHERE id = ?")
            for id in held { try mark.execute(arguments: [id]) }
            return run
        }
    }

    /// The condition on `items i` that picks the items a suggesting run takes, or why there can be no such run.
    static func suggestionSelection(_ items: String, in project: Project, withhold: Double) throws -> String {
        guard [.classify, .spans, .chat].contains(project.kind) else {
            throw StoreError(.invalid, "\(project.name) is a \(project.kind.rawValue) project: models suggest answers in classify, spans and chat projects")
        }
        guard (0..<1).contains(withhold) else { throw StoreError(.invalid, "--withhold is a share from 0 up to (not including) 1") }
        switch items {
        case "unanswered": return "i.submitted = 0"
        case "all": return "1 = 1"
        default: throw StoreError(.invalid, "items must be unanswered or all")
        }
    }

    /// The items drawn to go without a suggestion: `share` of `ids`, drawn with the run's id as the seed.
    static func withheld(_ ids: [Int64], share: Double, run: Run) -> ArraySlice<Int64> {
        var generator = SplitMix64(seed: UInt64(bitPattern: run.id))
        return ids.shuffled(using: &generator).prefix(Int((share * Double(ids.count)).rounded()))
    }

    /// A suggesting run's answer as its item's suggestion (JSON text), if it gives one.
    static func suggestion(from output: RunOutput, input: String?, project: Project, run: Run) -> String? {
        guard let text = output.output, output.error == nil, let input = input.flatMap({ try? JSONParser.parse($0) }),
              let made = ModelSuggestion.make(project: project, input: input, output: text, model: run.model.name, run: run.id) else { return nil }
        return made.suggestion.jsonText
    }

    /// A suggesting run's answers made into its items' suggestions, in the transaction that keeps the answers.
    static func suggest(_ db: Database, _ outputs: [RunOutput], of run: Run) throws {
        guard let project = try Self.project(db, id: run.projectID) else { return }
        let write = try db.cachedStatement(sql: "UPDATE items SET model_suggestion = ? WHERE id = ? AND suggestion_withheld = 0")
        let read = try db.cachedStatement(sql: "SELECT input FROM items WHERE id = ?")
        for output in outputs {
            guard output.output != nil, output.error == nil,
                  let made = suggestion(from: output, input: try String.fetchOne(read, arguments: [output.itemID]), project: project, run: run) else { continue }
            try write.execute(arguments: [made, output.itemID])
        }
    }

    /// `quorum suggest --json`: the items given the run's suggestion, those withheld, and those without one (the
    /// endpoint failed, or its answer gave nothing to suggest).
    public func suggestionCounts(of run: Run) throws -> (suggested: Int, withheld: Int, failed: Int) {
        try writer.read { db in
            let ids = run.itemIDs
            var suggested = 0, withheld = 0
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = ids[chunk..<min(chunk + 500, ids.count)]
                let row = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) FILTER (WHERE suggestion_withheld = 0 AND json_extract(model_suggestion, '$.run') = ?),
                           COUNT(*) FILTER (WHERE suggestion_withheld = 1)
                    FROM items WHERE id IN (\(part.map { _ in "?" }.joined(separator: ",")))
                    """, arguments: StatementArguments([run.id as any DatabaseValueConvertible] + part.map { $0 as any DatabaseValueConvertible }))!
                suggested += row[0] as Int
                withheld += row[1] as Int
            }
            return (suggested, withheld, ids.count - suggested - withheld)
        }
    }

    /// The figures of each suggesting run of the project, newest first (`SuggestionFigures`).
    public func suggestionFigures(of project: Project) throws -> [SuggestionFigures] {
        let runs = try runs(of: project).filter { $0.purpose == .suggest }
        guard !runs.isEmpty else { return [] }
        let withheld = try writer.read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT id FROM items WHERE project_id = ? AND suggestion_withheld = 1", arguments: [project.id]))
        }
        let outcomes: [Int64: [String: (String?, Int64?)]] = try writer.read { db in
            var found: [Int64: [String: (String?, Int64?)]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT a.item_id, u.username, a.suggestion_outcome, a.suggestion_run FROM annotations a JOIN items i ON i.id = a.item_id
                JOIN users u ON u.id = a.annotator_id WHERE i.project_id = ? AND a.status = 'submitted'
                """, arguments: [project.id]) {
                found[row[0], default: [:]][row[1]] = (row[2], row[3])
            }
            return found
        }
        return try suggestionFigures(of: project, runs: runs, outputs: try runs.map { try outputs(of: $0) }, withheld: withheld, outcomes: outcomes)
    }
}

extension ExportStore {
    /// The figures of the suggesting `runs` (`outputs` theirs), from the project's answered items read once; `withheld`:
    /// the items drawn to go without; `outcomes`: each submitted answer's outcome and run, by item and annotator.
    func suggestionFigures(of project: Project, runs: [Run], outputs: [[Int64: String?]], withheld: Set<Int64>,
                           outcomes: [Int64: [String: (String?, Int64?)]]) throws -> [SuggestionFigures] {
        var items: [StoredItem] = []
        try forEachStoredItem(in: project, answeredOnly: true) { items += $0 }
        let inputs = Dictionary(uniqueKeysWithValues: items.map { ($0.itemID, (try? JSONParser.parse($0.input)) ?? .null) })
        var given: [SuggestionFigures.Given] = []
        var gold: [Int64: Answer] = [:]
        for item in items {
            let input = inputs[item.itemID] ?? .null
            for (annotator, answer) in item.submittedAnswers(project: project, input: input) {
                let outcome = outcomes[item.itemID]?[annotator]
                given.append(.init(item: item.itemID, annotator: annotator, answer: answer,
                                   outcome: outcome?.0.flatMap(ModelSuggestion.Outcome.init(rawValue:)), run: outcome?.1))
            }
            gold[item.itemID] = item.goldAnswer(project: project, input: input)
        }
        return zip(runs, outputs).map { run, outputs in
            var model: [Int64: (answer: Answer?, withheld: Bool)] = [:]
            for (item, output) in outputs {
                guard let input = inputs[item] else { continue }
                let made = output.flatMap { ModelSuggestion.make(project: project, input: input, output: $0, model: run.model.name, run: run.id) }
                model[item] = (made.map { AppDatabase.answer(of: $0.suggestion, project: project) }, withheld.contains(item))
            }
            return SuggestionFigures(run: run.id, kind: project.kind, model: model, given: given, gold: gold)
        }
    }
}

extension AppDatabase {
    /// A suggestion as the answer it proposes.
    static func answer(of suggestion: JSONValue, project: Project) -> Answer {
        switch project.kind {
        case .spans: return .spans(suggestion["spans"]?.arrayValue?.compactMap(Span.init(json:)) ?? [])
        case .chat: return .conversation(suggestion["messages"]?.arrayValue ?? [])
        default: return .labels(suggestion["labels"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
    }
}
