import Foundation
import PostgresNIO
import QuorumCore

/// Models, runs and suggestions on PostgreSQL. A run's outputs are kept as they come, whichever server drives it.
extension PostgresServerStore: ModelStore {
    private static let modelColumns = "m.id, m.name, m.base_url, m.model, m.api_key_env, m.temperature, m.max_completion_tokens, m.concurrency, "
        + "m.price_input, m.price_output"

    private static func model(_ row: PostgresColumns, at first: Int32 = 0) -> Model {
        Model(id: row.int64(first), name: row.string(first + 1) ?? "", baseURL: row.string(first + 2) ?? "", model: row.string(first + 3) ?? "",
              apiKeyEnv: row.string(first + 4), temperature: row.isNull(first + 5) ? nil : row.double(first + 5),
              maxCompletionTokens: row.isNull(first + 6) ? nil : row.int(first + 6), concurrency: row.int(first + 7),
              priceInput: row.isNull(first + 8) ? nil : row.double(first + 8), priceOutput: row.isNull(first + 9) ? nil : row.double(first + 9))
    }

    public func addModel(_ model: Model) async throws -> Model {
        if let problem = model.problem { throw StoreError(.invalid, "\(problem.field): \(problem.message)") }
        do {
            var stored = model
            stored.id = try await rows("""
                INSERT INTO models (name, base_url, model, api_key_env, temperature, max_completion_tokens, concurrency, price_input, price_output, created_at)
                VALUES (\(model.name), \(model.baseURL), \(model.model), \(model.apiKeyEnv), \(model.temperature), \(model.maxCompletionTokens),
                        \(model.concurrency), \(model.priceInput), \(model.priceOutput), \(AppDatabase.timestamp())) RETURNING id
                """)[0].int64(0)
            return stored
        } catch let error as StoreError where error.kind == .conflict {
            throw StoreError(.conflict, "a model named \"\(model.name)\" exists already")
        }
    }

    public func models() async throws -> [Model] {
        try await rows("SELECT \(unescaped: Self.modelColumns) FROM models m ORDER BY m.name").map { Self.model($0) }
    }

    public func model(_ key: String) async throws -> Model? {
        try await rows("SELECT \(unescaped: Self.modelColumns) FROM models m WHERE m.name = \(key) OR CAST(m.id AS TEXT) = \(key)").first.map { Self.model($0) }
    }

    public func itemIDs(in project: Project, selection: String) async throws -> [Int64] {
        let condition = try AppDatabase.runSelection(selection, in: project)
        guard let condition else {
            let latest = try await exports(of: project).first
            return try await Blocking.onThread { try self.validationItemIDs(in: project, latest: latest) }
        }
        return try await rows(PostgresQuery(unsafeSQL: """
            SELECT i.id FROM items i WHERE i.project_id = $1 AND \(AppDatabase.published("$1")) AND \(condition) ORDER BY i.id
            """, binds: { var binds = PostgresBindings(); binds.append(project.id); return binds }())).map { $0.int64(0) }
    }

    public func inputs(of itemIDs: [Int64]) async throws -> [Int64: JSONValue] {
        var found: [Int64: JSONValue] = [:]
        for row in try await rows("SELECT id, input FROM items WHERE id = ANY(\(itemIDs))") {
            found[row.int64(0)] = row.string(1).flatMap { try? JSONParser.parse($0) } ?? .null
        }
        return found
    }

    public func startRun(of model: Model, on project: Project, selection: String, itemIDs: [Int64]) async throws -> Run {
        try await transaction { sql in try await Self.insertRun(sql, of: model, on: project, selection: selection, itemIDs: itemIDs, purpose: .score) }
    }

    private static func insertRun(_ sql: Transaction, of model: Model, on project: Project, selection: String, itemIDs: [Int64],
                                  purpose: Run.Purpose) async throws -> Run {
        let now = AppDatabase.timestamp()
        let id = try await sql.first("""
            INSERT INTO runs (project_id, model_id, selection, items, item_count, status, started_at, purpose)
            VALUES (\(project.id), \(model.id), \(selection), \(JSONValue.array(itemIDs.map { .number(String($0)) }).jsonText), \(itemIDs.count),
                    'running', \(now), \(purpose.rawValue)) RETURNING id
            """)!.int64(0)
        var run = Run(id: id, projectID: project.id, model: model, selection: selection, itemIDs: itemIDs, status: .running, message: nil,
                      startedAt: now, finishedAt: nil)
        run.purpose = purpose
        return run
    }

    public func startSuggestions(of model: Model, on project: Project, items: String, limit: Int?, withhold: Double) async throws -> Run {
        let condition = try AppDatabase.suggestionSelection(items, in: project, withhold: withhold)
        return try await transaction { sql in
            var ids = try await sql.rows(PostgresQuery(unsafeSQL: """
                SELECT i.id FROM items i WHERE i.project_id = $1 AND \(AppDatabase.published("$1")) AND \(condition) ORDER BY i.id
                """, binds: { var binds = PostgresBindings(); binds.append(project.id); return binds }())).map { $0.int64(0) }
            if let limit { ids = Array(ids.prefix(limit)) }
            guard !ids.isEmpty else { throw StoreError(.invalid, "\(project.name) has no \(items == "all" ? "" : "unanswered ")items to suggest answers for") }
            let run = try await Self.insertRun(sql, of: model, on: project, selection: items, itemIDs: ids, purpose: .suggest)
            let held = Array(AppDatabase.withheld(ids, share: withhold, run: run))
            try await sql.run("UPDATE items SET suggestion_withheld = 1 WHERE id = ANY(\(held))")
            return run
        }
    }

    public func run(_ id: Int64) async throws -> Run? {
        try await runs(where: "r.id = $1", id).first
    }

    public func runs(of project: Project) async throws -> [Run] {
        try await runs(where: "r.project_id = $1", project.id)
    }

    /// Runs with their model and counts so far, newest first.
    private func runs(where condition: String, _ value: Int64) async throws -> [Run] {
        var binds = PostgresBindings()
        binds.append(value)
        return try await rows(PostgresQuery(unsafeSQL: """
            SELECT r.id, r.project_id, r.selection, r.items, r.status, r.message, r.started_at, r.finished_at, r.purpose,
                   o.answered, o.failed, o.input, o.output, \(Self.modelColumns)
            FROM runs r JOIN models m ON m.id = r.model_id
            CROSS JOIN LATERAL (SELECT COUNT(*) FILTER (WHERE error IS NULL) AS answered, COUNT(*) FILTER (WHERE error IS NOT NULL) AS failed,
                                       COALESCE(SUM(input_tokens), 0)::BIGINT AS input, COALESCE(SUM(output_tokens), 0)::BIGINT AS output
                                FROM run_outputs WHERE run_id = r.id) o
            WHERE \(condition) ORDER BY r.id DESC
            """, binds: binds)).map { row in
            var run = Run(id: row.int64(0), projectID: row.int64(1), model: Self.model(row, at: 13), selection: row.string(2) ?? "",
                          itemIDs: AppDatabase.itemIDs(fromJSON: row.string(3) ?? "[]"), status: row.string(4).flatMap(Run.Status.init(rawValue:)) ?? .stopped,
                          message: row.string(5), startedAt: row.string(6) ?? "", finishedAt: row.string(7))
            run.purpose = row.string(8).flatMap(Run.Purpose.init(rawValue:)) ?? .score
            run.answered = row.int(9)
            run.failed = row.int(10)
            run.inputTokens = row.int(11)
            run.outputTokens = row.int(12)
            return run
        }
    }

    public func missingItems(of run: Run) async throws -> [Int64] {
        let answered = Set(try await rows("SELECT item_id FROM run_outputs WHERE run_id = \(run.id) AND error IS NULL").map { $0.int64(0) })
        return run.itemIDs.filter { !answered.contains($0) }
    }

    /// As on SQLite, a batch in two statements: the outputs (as JSON, whose nulls arrays of postgres-nio cannot
    /// carry), and the suggestions made of them.
    public func saveOutputs(_ outputs: [RunOutput], of run: Run) async throws {
        guard !outputs.isEmpty else { return }
        let rows = JSONValue.array(Self.merged(outputs).map { o in
            ["item": .int(Int(o.itemID)), "output": o.output.map { .string($0) } ?? .null, "finish_reason": o.finishReason.map { .string($0) } ?? .null,
             "input_tokens": o.inputTokens.map { .int($0) } ?? .null, "output_tokens": o.outputTokens.map { .int($0) } ?? .null,
             "latency_ms": .int(o.latencyMs), "attempts": .int(o.attempts), "error": o.error.map { .string($0) } ?? .null]
        }).jsonText
        try await transaction { sql in
            try await sql.run("""
                INSERT INTO run_outputs (run_id, item_id, output, finish_reason, input_tokens, output_tokens, latency_ms, attempts, error, created_at)
                SELECT \(run.id), item, output, finish_reason, input_tokens, output_tokens, latency_ms, attempts, error, \(AppDatabase.timestamp())
                FROM jsonb_to_recordset(\(rows)::jsonb) AS o(item BIGINT, output TEXT, finish_reason TEXT, input_tokens BIGINT, output_tokens BIGINT,
                                                             latency_ms BIGINT, attempts BIGINT, error TEXT)
                ON CONFLICT (run_id, item_id) DO UPDATE SET output = excluded.output, finish_reason = excluded.finish_reason,
                    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, latency_ms = excluded.latency_ms,
                    attempts = run_outputs.attempts + excluded.attempts, error = excluded.error, created_at = excluded.created_at
                """)
            guard run.purpose == .suggest,
                  let project = try await sql.first("SELECT \(unescaped: StoredProject.columns) FROM projects WHERE id = \(run.projectID)")
                    .map({ StoredProject($0).project }) else { return }
            var inputs: [Int64: String] = [:]
            for row in try await sql.rows("SELECT id, input FROM items WHERE id = ANY(\(outputs.map(\.itemID)))") { inputs[row.int64(0)] = row.string(1) }
            // In the batch's order, an item's last suggestion kept (as updates one after another would keep it).
            var made: [Int64: String] = [:]
            for output in outputs {
                made[output.itemID] = AppDatabase.suggestion(from: output, input: inputs[output.itemID], project: project, run: run) ?? made[output.itemID]
            }
            guard !made.isEmpty else { return }
            try await sql.run("""
                UPDATE items SET model_suggestion = s.made FROM unnest(\(Array(made.keys))::bigint[], \(Array(made.values))::text[]) AS s(id, made)
                WHERE items.id = s.id AND items.suggestion_withheld = 0
                """)
        }
    }

    /// A batch with each item once, as saving its outputs one after another would leave it: the last output, with
    /// the attempts of all (one statement may not update a row twice).
    static func merged(_ outputs: [RunOutput]) -> [RunOutput] {
        var merged: [RunOutput] = [], at: [Int64: Int] = [:]
        for output in outputs {
            guard let earlier = at[output.itemID] else {
                at[output.itemID] = merged.count
                merged.append(output)
                continue
            }
            var last = output
            last.attempts += merged[earlier].attempts
            merged[earlier] = last
        }
        return merged
    }

    public func finishRun(_ run: Run, status: Run.Status, message: String?) async throws {
        try await rows("UPDATE runs SET status = \(status.rawValue), message = \(message), finished_at = \(AppDatabase.timestamp()) WHERE id = \(run.id)")
    }

    public func resumeRun(_ run: Run, holdFor lease: Double) async throws -> String? {
        try await rows("""
            UPDATE runs SET status = 'running', message = NULL, finished_at = NULL,
                lease_until = \(unescaped: Self.clock(plus: lease))
            WHERE id = \(run.id) AND (status <> 'running' OR lease_until IS NULL OR lease_until < \(unescaped: Self.clock()))
            RETURNING lease_until
            """).first?.string(0)
    }

    public func holdRun(_ run: Run, held: String, for lease: Double) async throws -> String? {
        try await rows("""
            UPDATE runs SET lease_until = \(unescaped: Self.clock(plus: lease))
            WHERE id = \(run.id) AND status = 'running' AND lease_until = \(held) RETURNING lease_until
            """).first?.string(0)
    }

    /// Each lapsed run taken by one server only: the rows are locked as they are claimed, and a server that finds
    /// one locked passes it over.
    public func takeLapsedRuns(holdFor lease: Double) async throws -> (runs: [Run], held: String) {
        let taken = try await rows("""
            WITH held AS (SELECT \(unescaped: Self.clock(plus: lease)) AS until)
            UPDATE runs SET lease_until = held.until FROM held WHERE id IN (
                SELECT id FROM runs WHERE status = 'running' AND lease_until IS NOT NULL
                                      AND lease_until < \(unescaped: Self.clock())
                FOR UPDATE SKIP LOCKED)
            RETURNING id, held.until
            """)
        var runs: [Run] = []
        for id in taken.map({ $0.int64(0) }).sorted() { if let run = try await run(id) { runs.append(run) } }
        return (runs, taken.first?.string(1) ?? "")
    }

    /// Each item's answer, or nil where it failed.
    func outputs(of run: Run) async throws -> [Int64: String?] {
        var found: [Int64: String?] = [:]
        for row in try await rows("SELECT item_id, output, error IS NULL FROM run_outputs WHERE run_id = \(run.id)") {
            found[row.int64(0)] = (try? row.row[2].decode(Bool.self)) == true ? row.string(1) : nil
        }
        return found
    }

    public func evaluate(_ runs: [Run], in project: Project, consensus: ConsensusRule) async throws -> [Evaluation] {
        guard !runs.isEmpty else { return [] }
        var outputs: [[Int64: String?]] = []
        for run in runs { outputs.append(try await self.outputs(of: run)) }
        let all = outputs
        return try await Blocking.onThread { try self.evaluate(runs, outputs: all, in: project, consensus: consensus) }
    }

    public func suggestionCounts(of run: Run) async throws -> (suggested: Int, withheld: Int, failed: Int) {
        let row = try await rows("""
            SELECT COUNT(*) FILTER (WHERE suggestion_withheld = 0 AND (model_suggestion::json ->> 'run') = \(String(run.id))),
                   COUNT(*) FILTER (WHERE suggestion_withheld = 1)
            FROM items WHERE id = ANY(\(run.itemIDs))
            """).first
        let suggested = row?.int(0) ?? 0, withheld = row?.int(1) ?? 0
        return (suggested, withheld, run.itemIDs.count - suggested - withheld)
    }

    public func suggestionFigures(of project: Project) async throws -> [SuggestionFigures] {
        let runs = try await runs(of: project).filter { $0.purpose == .suggest }
        guard !runs.isEmpty else { return [] }
        let withheld = Set(try await rows("SELECT id FROM items WHERE project_id = \(project.id) AND suggestion_withheld = 1").map { $0.int64(0) })
        var outcomes: [Int64: [String: (String?, Int64?)]] = [:]
        for row in try await rows("""
            SELECT a.item_id, u.username, a.suggestion_outcome, a.suggestion_run FROM annotations a JOIN items i ON i.id = a.item_id
            JOIN users u ON u.id = a.annotator_id WHERE i.project_id = \(project.id) AND a.status = 'submitted'
            """) {
            outcomes[row.int64(0), default: [:]][row.string(1) ?? ""] = (row.string(2), row.isNull(3) ? nil : row.int64(3))
        }
        var outputs: [[Int64: String?]] = []
        for run in runs { outputs.append(try await self.outputs(of: run)) }
        let found = (outputs, outcomes)
        return try await Blocking.onThread {
            try self.suggestionFigures(of: project, runs: runs, outputs: found.0, withheld: withheld, outcomes: found.1)
        }
    }
}
