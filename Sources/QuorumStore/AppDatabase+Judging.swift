import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    /// Makes a compare project (`scale` nil: one item per source item and pair of runs that both answered it) or
    /// a rate project (one item per source item and run that answered it) from runs of `source`, in one
    /// transaction. Each item holds the prompt the models were asked and the answers in the pair's order; which
    /// run wrote which is kept apart (`judged_answers`), so nothing in an item tells an annotator.
    public func createJudgingProject(name: String, kind: ProjectKind, from source: Project, runs: [Run], pairs: JudgingSetup.Pairs = .all,
                                     scale: JudgingSetup.Scale? = nil, criteria: [String] = [], annotatorsPerItem: Int = 1,
                                     guidelines: String = "") throws -> (project: Project, items: Int) {
        try Self.checkJudging(kind: kind, from: source, runs: runs, scale: scale, annotatorsPerItem: annotatorsPerItem)
        let outputs = try runs.map { try self.outputs(of: $0) }
        let sourceItems = Self.answeredSourceItems(outputs)
        let (setup, made) = try Self.judgingPlan(kind: kind, from: source, runs: runs, pairs: pairs, scale: scale, criteria: criteria,
                                                 outputs: outputs, inputs: try inputs(of: sourceItems))
        return try writer.write { db in
            let project = try Self.insertProject(db, name: name, kind: kind, labels: setup.labels, multiLabel: false,
                                                 annotatorsPerItem: annotatorsPerItem, guidelines: guidelines, judging: setup)
            let now = Self.timestamp()
            let item = try db.makeStatement(sql: "INSERT INTO items (project_id, input, input_hash, created_at) VALUES (?, ?, ?, ?)")
            let judged = try db.makeStatement(sql: "INSERT INTO judged_answers (item_id, source_item_id, run_a, run_b) VALUES (?, ?, ?, ?)")
            for (sourceItem, a, b, input) in made {
                try item.execute(arguments: [project.id, input, Data(Self.judgedHash(a: a, b: b, input: input)), now])
                try judged.execute(arguments: [db.lastInsertedRowID, sourceItem, a, b])
            }
            try db.execute(sql: "UPDATE projects SET item_count = ? WHERE id = ?", arguments: [made.count, project.id])
            return (project, made.count)
        }
    }

    /// Why runs cannot be judged so, if they cannot.
    static func checkJudging(kind: ProjectKind, from source: Project, runs: [Run], scale: JudgingSetup.Scale?, annotatorsPerItem: Int) throws {
        guard kind == .compare || kind == .rate else { throw StoreError(.invalid, "a project made from runs is of kind compare or rate") }
        guard !source.kind.isJudging else { throw StoreError(.invalid, "\(source.name) is itself a \(source.kind.rawValue) project: judge the runs of a project of items") }
        if let other = runs.first(where: { $0.projectID != source.id }) {
            throw StoreError(.invalid, "run \(other.id) is a run of another project, not of \(source.name)")
        }
        guard Set(runs.map(\.id)).count == runs.count else { throw StoreError(.invalid, "a run is named twice in --runs") }
        guard kind == .rate || runs.count >= 2 else { throw StoreError(.invalid, "a comparison needs at least two runs (--runs A,B)") }
        guard !runs.isEmpty else { throw StoreError(.invalid, "name the runs whose answers are rated (--runs A[,B…])") }
        guard kind == .compare || scale != nil else { throw StoreError(.invalid, "a rate project needs a scale: pass-fail or 1-5") }
        try checkSettings(labels: [], annotatorsPerItem: annotatorsPerItem)
    }

    /// The source items some run answered, in id order.
    static func answeredSourceItems(_ outputs: [[Int64: String?]]) -> [Int64] {
        Set(outputs.flatMap { $0.compactMap { $0.value == nil ? nil : $0.key } }).sorted()
    }

    /// A judging project's setup and items: (source item, run a, run b, input) for each pair (or run) that answered
    /// each source item, from the runs' `outputs` and the source items' `inputs`.
    static func judgingPlan(kind: ProjectKind, from source: Project, runs: [Run], pairs: JudgingSetup.Pairs, scale: JudgingSetup.Scale?,
                            criteria: [String], outputs: [[Int64: String?]],
                            inputs: [Int64: JSONValue]) throws -> (setup: JudgingSetup, made: [(Int64, Int64, Int64?, String)]) {
        let setup = JudgingSetup(source: source.id, runs: runs.map(\.id), pairs: pairs, scale: kind == .rate ? scale : nil, criteria: criteria,
                                 runNames: Dictionary(uniqueKeysWithValues: runs.map { ($0.id, "run \($0.id) · \($0.model.name)") }))
        let sourceItems = answeredSourceItems(outputs)
        let renderer = ExportRenderer(project: source, format: .openaiChat)
        let index = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($1.id, $0) })
        // (source item, run a, run b, input)
        var made: [(Int64, Int64, Int64?, String)] = []
        for item in sourceItems {
            guard let input = inputs[item] else { continue }
            let prompt = JSONValue.array(renderer.prompt(input: input).messages)
            func answer(_ run: Int64) -> String? { outputs[index[run]!][item] ?? nil }
            if kind == .compare {
                for (a, b) in setup.runPairs {
                    guard let first = answer(a), let second = answer(b) else { continue }
                    made.append((item, a, b, JSONValue.object([(key: "messages", value: prompt), (key: "responses", value: [.string(first), .string(second)])]).jsonText))
                }
            } else {
                for run in setup.runs {
                    guard let text = answer(run) else { continue }
                    made.append((item, run, nil, JSONValue.object([(key: "messages", value: prompt), (key: "response", value: .string(text))]).jsonText))
                }
            }
        }
        guard !made.isEmpty else {
            throw StoreError(.invalid, kind == .compare ? "no item of \(source.name) was answered by both runs of any pair: nothing to compare"
                                                        : "the runs answered no item of \(source.name): nothing to rate")
        }
        return (setup, made)
    }

    /// A judging item's dedup hash: two pairs can show the same two answers (runs that answered alike), so the runs
    /// make each item distinct.
    static func judgedHash(a: Int64, b: Int64?, input: String) -> [UInt8] {
        ContentHash.dedupHash(Array("\(a),\(b.map(String.init) ?? "")\u{1F}".utf8) + Array(input.utf8)).bytes
    }

    /// Which side the pair's first answer is shown on to this judge, drawn at random the first time they see the
    /// item and kept, so it never changes under them and the position check can count it.
    /// Read, not written, once drawn: the judging routes ask with every item they show and every answer they save.
    public func side(itemID: Int64, for annotator: User) async throws -> Bool {
        if let drawn = try await writer.read({ db in try Self.drawnSide(db, itemID: itemID, annotatorID: annotator.id) }) { return drawn }
        return try await batcher.write { db in try Self.drawSide(db, itemID: itemID, annotatorID: annotator.id) }
    }

    static func drawnSide(_ db: Database, itemID: Int64, annotatorID: Int64) throws -> Bool? {
        try db.cachedStatement(sql: "SELECT a_on_left FROM judging_sides WHERE item_id = ? AND annotator_id = ?")
            .firstRow(itemID, annotatorID) { $0.bool(0) }
    }

    static func drawSide(_ db: Database, itemID: Int64, annotatorID: Int64) throws -> Bool {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO judging_sides (item_id, annotator_id, a_on_left) VALUES (?, ?, ?)")
            .run(itemID, annotatorID, Bool.random() ? 1 : 0)
        return try drawnSide(db, itemID: itemID, annotatorID: annotatorID) ?? true
    }

    /// Every submitted judgement of a compare or rate project, in the pair's terms.
    public func judgements(of project: Project) throws -> [Judgement] {
        try writer.read { db in
            var all: [Judgement] = []
            try db.makeStatement(sql: """
                SELECT j.item_id, j.source_item_id, j.run_a, j.run_b, u.username, a.labels, a.criteria, COALESCE(s.a_on_left, 1)
                FROM items i CROSS JOIN judged_answers j ON j.item_id = i.id
                JOIN annotations a ON a.item_id = i.id AND a.status = 'submitted'
                JOIN users u ON u.id = a.annotator_id
                LEFT JOIN judging_sides s ON s.item_id = i.id AND s.annotator_id = a.annotator_id
                WHERE i.project_id = ? ORDER BY i.id, a.id
                """).forEachRow(project.id) { row in
                if let judgement = Self.judgement(row) { all.append(judgement) }
            }
            return all
        }
    }

    /// A row of `item, source item, run a, run b, judge, labels, criteria, a on left` as a judgement, if it gives one.
    static func judgement(_ row: some StoredColumns) -> Judgement? {
        guard let value = row.string(5).flatMap({ try? JSONParser.parse($0) })?.arrayValue?.first?.stringValue else { return nil }
        let criteria = row.string(6).flatMap { try? JSONParser.parse($0) }?.objectValue ?? []
        return Judgement(item: row.int64(0), sourceItem: row.int64(1), annotator: row.string(4) ?? "", runA: row.int64(2),
                         runB: row.isNull(3) ? nil : row.int64(3), value: value,
                         criteria: Dictionary(criteria.compactMap { m in m.value.stringValue.map { (m.key, $0) } }, uniquingKeysWith: { a, _ in a }),
                         aOnLeft: row.bool(7))
    }

    /// Each source item's value of `field`, for results grouped by it: a top-level member of its input, else one
    /// of its `meta`; `label` falls back to the item's gold labels.
    public func fieldValues(_ field: String, of sourceItems: Set<Int64>) throws -> [Int64: String] {
        let ids = sourceItems.sorted()
        let inputs = try inputs(of: ids)
        let golds: [Int64: String] = field == "label" ? try writer.read { db in
            var found: [Int64: String] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = ids[chunk..<min(chunk + 500, ids.count)]
                for row in try Row.fetchAll(db, sql: "SELECT item_id, resolution FROM gold WHERE item_id IN (\(part.map { _ in "?" }.joined(separator: ",")))",
                                            arguments: StatementArguments(part.map { $0 as any DatabaseValueConvertible })) {
                    if let labels = Self.goldLabels(row["resolution"]) { found[row["item_id"]] = labels }
                }
            }
            return found
        } : [:]
        return Self.fieldValues(field, of: ids, inputs: inputs, golds: golds)
    }

    /// A gold answer's labels as a group's name ("a, b"), if it has any.
    static func goldLabels(_ resolution: String) -> String? {
        let labels = (try? JSONParser.parse(resolution))?["labels"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return labels.isEmpty ? nil : labels.joined(separator: ", ")
    }

    /// Each item's value of `field` from its input (a member, else one of its `meta`), else its gold labels.
    static func fieldValues(_ field: String, of ids: [Int64], inputs: [Int64: JSONValue], golds: [Int64: String]) -> [Int64: String] {
        var values: [Int64: String] = [:]
        for id in ids {
            let input = inputs[id] ?? .null
            let member = input[field] ?? input["meta"]?[field]
            switch member {
            case .string(let text)?: values[id] = text
            case .number(let n)?: values[id] = n
            case .bool(let b)?: values[id] = String(b)
            default: if let gold = golds[id] { values[id] = gold }
            }
        }
        return values
    }
}

extension AppDatabase {
    /// A compare or rate project's results, grouped by a field of the source items when asked.
    public func judgingResults(of project: Project, by field: String? = nil) throws -> JudgingResults {
        let setup = try Self.judgingSetup(of: project)
        let judgements = try judgements(of: project)
        let groups = try field.map { try fieldValues($0, of: Set(judgements.map(\.sourceItem))) } ?? [:]
        return JudgingResults(kind: project.kind, setup: setup, judgements: judgements, by: field, groupOf: groups)
    }
}

extension AppDatabase {
    /// A compare or rate project's setup, or why it has no results.
    static func judgingSetup(of project: Project) throws -> JudgingSetup {
        guard project.kind == .compare || project.kind == .rate, let setup = project.judging else {
            throw StoreError(.invalid, "\(project.name) is a \(project.kind.rawValue) project: results are for compare and rate projects "
                             + (project.kind == .watch ? "(a watch project's trend: quorum watch)" : "(quorum eval scores runs)"))
        }
        return setup
    }

    /// The runs whose answers a judging item shows (for leads).
    public func judgedRuns(of itemID: Int64) throws -> (a: Int64, b: Int64?)? {
        try writer.read { db in
            try db.cachedStatement(sql: "SELECT run_a, run_b FROM judged_answers WHERE item_id = ?").firstRow(itemID) {
                ($0.int64(0), $0.isNull(1) ? nil : $0.int64(1))
            }
        }
    }
}
