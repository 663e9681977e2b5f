import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    static func model(_ row: Row) -> Model {
        Model(id: row["id"], name: row["name"], baseURL: row["base_url"], model: row["model"], apiKeyEnv: row["api_key_env"],
              temperature: row["temperature"], maxCompletionTokens: row["max_completion_tokens"], concurrency: row["concurrency"],
              priceInput: row["price_input"], priceOutput: row["price_output"])
    }

    /// Adds a model (its key's variable name only); a name in use is a conflict.
    public func addModel(_ model: Model) throws -> Model {
        if let problem = model.problem { throw StoreError(.invalid, "\(problem.field): \(problem.message)") }
        return try writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM models WHERE name = ?", arguments: [model.name]) != nil {
                throw StoreError(.conflict, "a model named \"\(model.name)\" exists already")
            }
            try db.execute(sql: """
                INSERT INTO models (name, base_url, model, api_key_env, temperature, max_completion_tokens, concurrency, price_input, price_output, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [model.name, model.baseURL, model.model, model.apiKeyEnv, model.temperature, model.maxCompletionTokens,
                                 model.concurrency, model.priceInput, model.priceOutput, Self.timestamp()])
            var stored = model
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func models() throws -> [Model] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM models ORDER BY name").map(Self.model) }
    }

    /// A model by name or id.
    public func model(_ key: String) throws -> Model? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM models WHERE name = ? OR CAST(id AS TEXT) = ?", arguments: [key, key]).map(Self.model)
        }
    }

    /// The items a run takes: the hold-out, the items not held out (`train`), or all of them; in id order.
    public func itemIDs(in project: Project, selection: String) throws -> [Int64] {
        guard let condition = try Self.runSelection(selection, in: project) else { return try validationItemIDs(in: project) }
        return try writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT i.id FROM items i WHERE i.project_id = ?1 AND \(Self.published("?1")) AND \(condition) ORDER BY i.id", arguments: [project.id])
        }
    }

    /// The condition on `items i` that picks a run's items, or nil for the validation set (worked out by an export's
    /// split, not by a condition); or why a run cannot take them.
    static func runSelection(_ selection: String, in project: Project) throws -> String? {
        guard !project.kind.isJudging else {
            throw StoreError(.invalid, "\(project.name) judges models' answers: run models on the project it was made from")
        }
        switch selection {
        case "holdout": return "i.split = 'holdout'"
        case "train": return "(i.split IS NULL OR i.split <> 'holdout')"
        case "all": return "1 = 1"
        case "validation": return nil
        default: throw StoreError(.invalid, "items must be holdout, validation, train or all")
        }
    }

    /// The validation set of the project's latest export, split again by its settings from the items as they are
    /// now (an export keeps no list of its files' items; the same data and settings give the same split, and
    /// answers added since can move items between train and validation).
    private func validationItemIDs(in project: Project) throws -> [Int64] {
        try validationItemIDs(in: project, latest: try exports(of: project).first)
    }
}

extension ExportStore {
    /// The validation set of `latest`, the project's latest export (see `AppDatabase.validationItemIDs`).
    func validationItemIDs(in project: Project, latest: ExportRecord?) throws -> [Int64] {
        guard let latest, let settings = ExportSettings(json: latest.settings) else {
            throw StoreError(.invalid, "\(project.name) has no export yet: validation is the set an export splits off (quorum export \(project.slug) --validation 0.1)")
        }
        guard settings.validationFraction > 0 else {
            throw StoreError(.invalid, "the latest export of \(project.name) (\(latest.id)) has no validation set: export with --validation 0.1 (or another share)")
        }
        let counter = settings.format.isFineTuningJSONL ? try? TokenizerFile.counter().0 : nil
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("quorum-plan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            return try ProjectExport(database: self, project: project, settings: settings, directory: folder, counter: counter).validationItems()
        } catch let error as ExportError {
            throw StoreError(.invalid, error.description)
        }
    }
}

extension AppDatabase {

    /// The inputs of the given items, by id.
    public func inputs(of itemIDs: [Int64]) throws -> [Int64: JSONValue] {
        try writer.read { db in
            var found: [Int64: JSONValue] = [:]
            for chunk in stride(from: 0, to: itemIDs.count, by: 500) {
                let ids = itemIDs[chunk..<min(chunk + 500, itemIDs.count)]
                let rows = try Row.fetchAll(db, sql: "SELECT id, input FROM items WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                                            arguments: StatementArguments(ids.map { $0 as any DatabaseValueConvertible }))
                for row in rows { found[row["id"]] = (try? JSONParser.parse(row["input"] as String)) ?? .null }
            }
            return found
        }
    }

    public func startRun(of model: Model, on project: Project, selection: String, itemIDs: [Int64]) throws -> Run {
        try writer.write { db in try Self.insertRun(db, of: model, on: project, selection: selection, itemIDs: itemIDs, purpose: .score) }
    }

    static func insertRun(_ db: Database, of model: Model, on project: Project, selection: String, itemIDs: [Int64], purpose: Run.Purpose) throws -> Run {
        let now = Self.timestamp()
        try db.execute(sql: """
            INSERT INTO runs (project_id, model_id, selection, items, item_count, status, started_at, purpose) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)
            """, arguments: [project.id, model.id, selection, JSONValue.array(itemIDs.map { .number(String($0)) }).jsonText, itemIDs.count, now,
                             purpose.rawValue])
        var run = Run(id: db.lastInsertedRowID, projectID: project.id, model: model, selection: selection, itemIDs: itemIDs,
                      status: .running, message: nil, startedAt: now, finishedAt: nil)
        run.purpose = purpose
        return run
    }

    /// A run with its counts so far.
    public func run(_ id: Int64) throws -> Run? {
        try writer.read { db in try Self.run(db, id: id) }
    }

    static func run(_ db: Database, id: Int64) throws -> Run? {
        guard let row = try Row.fetchOne(db, sql: "SELECT r.*, m.id AS mid FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?", arguments: [id]),
              let modelRow = try Row.fetchOne(db, sql: "SELECT * FROM models WHERE id = ?", arguments: [row["mid"] as Int64]) else { return nil }
        let ids = Self.itemIDs(fromJSON: row["items"] as String)
        var run = Run(id: row["id"], projectID: row["project_id"], model: Self.model(modelRow), selection: row["selection"], itemIDs: ids,
                      status: Run.Status(rawValue: row["status"]) ?? .stopped, message: row["message"], startedAt: row["started_at"],
                      finishedAt: row["finished_at"])
        run.purpose = Run.Purpose(rawValue: row["purpose"]) ?? .score
        if let counts = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) FILTER (WHERE error IS NULL) AS answered, COUNT(*) FILTER (WHERE error IS NOT NULL) AS failed,
                   COALESCE(SUM(input_tokens), 0) AS input, COALESCE(SUM(output_tokens), 0) AS output FROM run_outputs WHERE run_id = ?
            """, arguments: [id]) {
            run.answered = counts["answered"]
            run.failed = counts["failed"]
            run.inputTokens = counts["input"]
            run.outputTokens = counts["output"]
        }
        return run
    }

    /// A run's item ids as stored (a JSON array of whole numbers, written by `startRun`), read digit by digit: a
    /// run can hold a hundred thousand, and a JSON tree of them cost more than the rest of loading the run.
    static func itemIDs(fromJSON text: String) -> [Int64] {
        var ids: [Int64] = []
        var current: Int64 = 0, inNumber = false
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                current = current &* 10 &+ Int64(byte - UInt8(ascii: "0"))
                inNumber = true
            } else if inNumber {
                ids.append(current)
                current = 0
                inNumber = false
            }
        }
        if inNumber { ids.append(current) }
        return ids
    }

    /// A project's runs, newest first.
    public func runs(of project: Project) throws -> [Run] {
        try writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE project_id = ? ORDER BY id DESC", arguments: [project.id]).compactMap { try Self.run(db, id: $0) }
        }
    }

    /// The run's items still without an answer (never asked, or failed): what a resumed run asks for.
    public func missingItems(of run: Run) throws -> [Int64] {
        let answered = try writer.read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT item_id FROM run_outputs WHERE run_id = ? AND error IS NULL", arguments: [run.id]))
        }
        return run.itemIDs.filter { !answered.contains($0) }
    }

    /// Stores outputs as they come (an answer replaces an earlier failure of the same item).
    public func saveOutputs(_ outputs: [RunOutput], of run: Run) throws {
        guard !outputs.isEmpty else { return }
        try writer.write { db in
            let now = Self.timestamp()
            let statement = try db.cachedStatement(sql: """
                INSERT INTO run_outputs (run_id, item_id, output, finish_reason, input_tokens, output_tokens, latency_ms, attempts, error, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, item_id) DO UPDATE SET output = excluded.output, finish_reason = excluded.finish_reason,
                    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, latency_ms = excluded.latency_ms,
                    attempts = run_outputs.attempts + excluded.attempts, error = excluded.error, created_at = excluded.created_at
                """)
            for o in outputs {
                try statement.execute(arguments: [run.id, o.itemID, o.output, o.finishReason, o.inputTokens, o.outputTokens, o.latencyMs,
                                                  o.attempts, o.error, now])
            }
            if run.purpose == .suggest { try Self.suggest(db, outputs, of: run) }
        }
    }

    public func finishRun(_ run: Run, status: Run.Status, message: String?) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, message = ?, finished_at = ? WHERE id = ?",
                           arguments: [status.rawValue, message, Self.timestamp(), run.id])
        }
    }

    /// A run with no hold (started by a version before holds, or just made) is free to take, as is one whose hold lapsed.
    public func resumeRun(_ run: Run, holdFor lease: Double) throws -> String? {
        try writer.write { db in
            try String.fetchOne(db, sql: """
                UPDATE runs SET status = 'running', message = NULL, finished_at = NULL, lease_until = \(Self.clock(plus: "?"))
                WHERE id = ? AND (status <> 'running' OR lease_until IS NULL OR lease_until < \(Self.clock()))
                RETURNING lease_until
                """, arguments: [Self.seconds(lease), run.id])
        }
    }

    public func holdRun(_ run: Run, held: String, for lease: Double) throws -> String? {
        try writer.write { db in
            try String.fetchOne(db, sql: """
                UPDATE runs SET lease_until = \(Self.clock(plus: "?")) WHERE id = ? AND status = 'running' AND lease_until = ? RETURNING lease_until
                """, arguments: [Self.seconds(lease), run.id, held])
        }
    }

    public func takeLapsedRuns(holdFor lease: Double) throws -> (runs: [Run], held: String) {
        try writer.write { db in
            let held = try String.fetchOne(db, sql: "SELECT \(Self.clock(plus: "?"))", arguments: [Self.seconds(lease)]) ?? ""
            let lapsed = try Int64.fetchAll(db, sql: """
                SELECT id FROM runs WHERE status = 'running' AND lease_until IS NOT NULL AND lease_until < \(Self.clock()) ORDER BY id
                """)
            for id in lapsed {
                try db.execute(sql: "UPDATE runs SET lease_until = ? WHERE id = ?", arguments: [held, id])
            }
            return (try lapsed.compactMap { try Self.run(db, id: $0) }, held)
        }
    }

    /// SQLite's clock (every process on the file's machine shares it), moved by `modifier` if given: SQL giving a time
    /// as `timestamp` writes it.
    private static func clock(plus modifier: String? = nil) -> String {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'\(modifier.map { ", " + $0 } ?? ""))"
    }

    /// `seconds` as a modifier of SQLite's date functions.
    private static func seconds(_ seconds: Double) -> String { String(format: "%+.3f seconds", seconds) }

    /// The run's outputs: each item's answer, or nil where it failed.
    public func outputs(of run: Run) throws -> [Int64: String?] {
        try writer.read { db in
            var found: [Int64: String?] = [:]
            found.reserveCapacity(run.itemIDs.count)
            // Read straight from SQLite: a run can hold a hundred thousand outputs.
            try db.makeStatement(sql: "SELECT item_id, output, error IS NULL FROM run_outputs WHERE run_id = ?").forEachRow(run.id) { row in
                found[row.int64(0)] = row.int64(2) != 0 ? row.string(1) : nil
            }
            return found
        }
    }

    /// A run's outputs scored against the project's resolved answers (as export resolves them: gold, else consensus).
    public func evaluate(_ run: Run, in project: Project, consensus: ConsensusRule = .all) throws -> Evaluation {
        try evaluate([run], in: project, consensus: consensus)[0]
    }

    /// Several runs scored in one reading of the project's items (a comparison reads them once, not twice).
    public func evaluate(_ runs: [Run], in project: Project, consensus: ConsensusRule = .all) throws -> [Evaluation] {
        guard !runs.isEmpty else { return [] }
        return try evaluate(runs, outputs: try runs.map { try self.outputs(of: $0) }, in: project, consensus: consensus)
    }
}

extension ExportStore {
    /// Runs scored from their outputs (`outputs[r]` the r-th run's), in one reading of the project's items.
    func evaluate(_ runs: [Run], outputs: [[Int64: String?]], in project: Project, consensus: ConsensusRule) throws -> [Evaluation] {
        let wanted = Set(runs.flatMap(\.itemIDs))
        let policy = ExportPolicy(project: project, consensus: consensus)
        var cases = [[Evaluation.Case]](repeating: [], count: runs.count)
        var unscored = [Int](repeating: 0, count: runs.count)
        let members = runs.map { Set($0.itemIDs) }
        // Classify references need no input: the items' texts are not read or parsed.
        try forEachStoredItem(in: project, withInputs: project.kind != .classify) { batch in
            for item in batch where wanted.contains(item.itemID) {
                let (input, resolution) = policy.resolve(item)
                for r in runs.indices where members[r].contains(item.itemID) {
                    guard case .resolved(let answer, _) = resolution else {
                        unscored[r] += 1
                        continue
                    }
                    cases[r].append(Evaluation.Case(itemID: item.itemID, input: input, reference: answer, output: outputs[r][item.itemID] ?? nil))
                }
            }
        }
        return runs.indices.map { Evaluation(project: project, cases: cases[$0], unscored: unscored[$0]) }
    }
}
