import Foundation
import PostgresNIO
import QuorumCore

/// Compare, rate and watch projects on PostgreSQL.
extension PostgresServerStore: JudgingStore {
    public func createJudgingProject(name: String, kind: ProjectKind, from source: Project, runs: [Run], pairs: JudgingSetup.Pairs,
                                     scale: JudgingSetup.Scale?, criteria: [String], annotatorsPerItem: Int,
                                     guidelines: String) async throws -> (project: Project, items: Int) {
        try AppDatabase.checkJudging(kind: kind, from: source, runs: runs, scale: scale, annotatorsPerItem: annotatorsPerItem)
        var outputs: [[Int64: String?]] = []
        for run in runs { outputs.append(try await self.outputs(of: run)) }
        let (setup, made) = try AppDatabase.judgingPlan(kind: kind, from: source, runs: runs, pairs: pairs, scale: scale, criteria: criteria,
                                                        outputs: outputs, inputs: try await inputs(of: AppDatabase.answeredSourceItems(outputs)))
        // The project and its items in one transaction: no server ever sees it half made.
        let project = try await makingProject(named: name) { sql, name -> Project in
            let project = try await Self.insertProject(sql, name: name, kind: kind, labels: setup.labels, multiLabel: false,
                                                       annotatorsPerItem: annotatorsPerItem, guidelines: guidelines, judging: setup)
            let now = AppDatabase.timestamp()
            for (sourceItem, a, b, input) in made {
                let id = try await sql.first("""
                    INSERT INTO items (project_id, input, input_hash, created_at)
                    VALUES (\(project.id), \(input), \(ByteBuffer(bytes: AppDatabase.judgedHash(a: a, b: b, input: input))), \(now)) RETURNING id
                    """)!.int64(0)
                try await sql.run("INSERT INTO judged_answers (item_id, source_item_id, run_a, run_b) VALUES (\(id), \(sourceItem), \(a), \(b))")
            }
            try await sql.run("UPDATE projects SET item_count = \(made.count) WHERE id = \(project.id)")
            return project
        }
        return (project, made.count)
    }

    public func side(itemID: Int64, for annotator: User) async throws -> Bool {
        if let drawn = try await rows("SELECT a_on_left FROM judging_sides WHERE item_id = \(itemID) AND annotator_id = \(annotator.id)").first {
            return drawn.bool(0)
        }
        return try await drawSide(itemID: itemID, annotatorID: annotator.id)
    }

    public func judgingResults(of project: Project, by field: String?) async throws -> JudgingResults {
        let setup = try AppDatabase.judgingSetup(of: project)
        let judgements = try await rows("""
            SELECT j.item_id, j.source_item_id, j.run_a, j.run_b, u.username, a.labels, a.criteria, COALESCE(s.a_on_left, 1)
            FROM items i JOIN judged_answers j ON j.item_id = i.id
            JOIN annotations a ON a.item_id = i.id AND a.status = 'submitted'
            JOIN users u ON u.id = a.annotator_id
            LEFT JOIN judging_sides s ON s.item_id = i.id AND s.annotator_id = a.annotator_id
            WHERE i.project_id = \(project.id) ORDER BY i.id, a.id
            """).compactMap(AppDatabase.judgement)
        var groups: [Int64: String] = [:]
        if let field {
            let ids = Set(judgements.map(\.sourceItem)).sorted()
            var golds: [Int64: String] = [:]
            if field == "label" {
                for row in try await rows("SELECT item_id, resolution FROM gold WHERE item_id = ANY(\(ids))") {
                    if let labels = AppDatabase.goldLabels(row.string(1) ?? "") { golds[row.int64(0)] = labels }
                }
            }
            groups = AppDatabase.fieldValues(field, of: ids, inputs: try await inputs(of: ids), golds: golds)
        }
        return JudgingResults(kind: project.kind, setup: setup, judgements: judgements, by: field, groupOf: groups)
    }

    public func judgedRuns(of itemID: Int64) async throws -> (a: Int64, b: Int64?)? {
        try await rows("SELECT run_a, run_b FROM judged_answers WHERE item_id = \(itemID)").first.map { ($0.int64(0), $0.isNull(1) ? nil : $0.int64(1)) }
    }

    public func createWatchProject(name: String, scale: JudgingSetup.Scale, criteria: [String], sampleRate: Double, alertBelow: Double?,
                                   annotatorsPerItem: Int, guidelines: String) async throws -> Project {
        let setup = try AppDatabase.watchSetup(scale: scale, criteria: criteria, sampleRate: sampleRate, alertBelow: alertBelow,
                                               annotatorsPerItem: annotatorsPerItem)
        return try await insertProject(name: name, kind: .watch, labels: setup.labels, multiLabel: false, annotatorsPerItem: annotatorsPerItem,
                                       guidelines: guidelines, judging: setup)
    }

    /// As on SQLite, in one statement for the whole batch: items made in the samples' order (so their ids follow it),
    /// an input already there or met earlier in the batch passed over, each new item's sample its first.
    public func addSamples(_ samples: [WatchSample], to project: Project) async throws -> (kept: Int, sampledOut: Int, duplicates: Int) {
        let chosen = try AppDatabase.keptSamples(samples, for: project)
        let inputs = chosen.map(\.input.jsonText), models = chosen.map(\.model), servedAt = chosen.map(\.servedAt)
        let hashes = chosen.map { $0.dedupHash.bytes.withUnsafeBytes(PostgresStore.hex) }
        return try await transaction { sql in
            let kept = try await sql.first("""
                WITH sample AS (
                    SELECT input, decode(hash, 'hex') AS hash, model, served_at, n
                    FROM unnest(\(inputs)::text[], \(hashes)::text[], \(models)::text[], \(servedAt)::text[]) WITH ORDINALITY
                        AS s(input, hash, model, served_at, n)),
                item AS (
                    INSERT INTO items (project_id, input, input_hash, created_at)
                    SELECT \(project.id), input, hash, \(AppDatabase.timestamp()) FROM sample ORDER BY n
                    ON CONFLICT DO NOTHING RETURNING id, input_hash),
                kept AS (
                    INSERT INTO watch_samples (item_id, model, served_at)
                    SELECT DISTINCT ON (item.id) item.id, sample.model, sample.served_at
                    FROM item JOIN sample ON sample.hash = item.input_hash ORDER BY item.id, sample.n
                    RETURNING item_id)
                SELECT COUNT(*) FROM kept
                """)?.int(0) ?? 0
            try await sql.run("UPDATE projects SET item_count = item_count + \(kept) WHERE id = \(project.id)")
            return (kept, samples.count - chosen.count, chosen.count - kept)
        }
    }

    public func watchTrend(of project: Project, by period: WatchTrend.Period, category: String?) async throws -> WatchTrend {
        guard project.kind == .watch, project.judging?.scale != nil else {
            throw StoreError(.invalid, "\(project.name) is not a watch project: its trend is for watch projects (quorum project create --kind watch)")
        }
        var served: [Int64: (String, String)] = [:]
        for row in try await rows("SELECT w.item_id, w.model, w.served_at FROM watch_samples w JOIN items i ON i.id = w.item_id WHERE i.project_id = \(project.id)") {
            served[row.int64(0)] = (row.string(1) ?? "", row.string(2) ?? "")
        }
        let found = served
        return try await Blocking.onThread { try self.watchTrend(of: project, by: period, category: category, served: found) }
    }

    public func correctSample(itemID: Int64, answer: String, by user: User) async throws {
        let messages = try AppDatabase.correctedConversation(try await item(id: itemID), itemID: itemID, answer: answer)
        try await rows("""
            INSERT INTO watch_corrections (item_id, messages, user_id, corrected_at) VALUES (\(itemID), \(messages.jsonText), \(user.id), \(AppDatabase.timestamp()))
            ON CONFLICT (item_id) DO UPDATE SET messages = excluded.messages, user_id = excluded.user_id, corrected_at = excluded.corrected_at
            """)
    }

    public func correction(of itemID: Int64) async throws -> String? {
        try await rows("SELECT messages FROM watch_corrections WHERE item_id = \(itemID)").first?.string(0)
            .flatMap { try? JSONParser.parse($0) }?.arrayValue?.last?["content"]?.stringValue
    }
}
