import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    /// Adds production samples to a watch project as items (the model version and time kept apart from what a
    /// judge sees), in one transaction: the share the project keeps (`sampleRate`, decided by each sample's content)
    /// and not already there.
    public func addSamples(_ samples: [WatchSample], to project: Project) throws -> (kept: Int, sampledOut: Int, duplicates: Int) {
        let chosen = try Self.keptSamples(samples, for: project)
        return try writer.write { db in
            let now = Self.timestamp()
            let item = try db.makeStatement(sql: "INSERT OR IGNORE INTO items (project_id, input, input_hash, created_at) VALUES (?, ?, ?, ?)")
            let sample = try db.makeStatement(sql: "INSERT INTO watch_samples (item_id, model, served_at) VALUES (?, ?, ?)")
            var kept = 0
            for chosen in chosen {
                try item.execute(arguments: [project.id, chosen.input.jsonText, Data(chosen.dedupHash.bytes), now])
                guard db.changesCount > 0 else { continue }
                try sample.execute(arguments: [db.lastInsertedRowID, chosen.model, chosen.servedAt])
                kept += 1
            }
            try db.execute(sql: "UPDATE projects SET item_count = item_count + ? WHERE id = ?", arguments: [kept, project.id])
            return (kept, samples.count - chosen.count, chosen.count - kept)
        }
    }

    /// The trend of a watch project: each judged sample's verdict is its resolved answer (gold, else the majority
    /// of its judges), grouped by model version and period (and by a meta field, when asked).
    public func watchTrend(of project: Project, by period: WatchTrend.Period, category: String? = nil) throws -> WatchTrend {
        guard project.kind == .watch, project.judging?.scale != nil else {
            throw StoreError(.invalid, "\(project.name) is not a watch project: its trend is for watch projects (quorum project create --kind watch)")
        }
        let served: [Int64: (String, String)] = try writer.read { db in
            var found: [Int64: (String, String)] = [:]
            try db.makeStatement(sql: """
                SELECT w.item_id, w.model, w.served_at FROM watch_samples w JOIN items i ON i.id = w.item_id WHERE i.project_id = ?
                """).forEachRow(project.id) { found[$0.int64(0)] = ($0.string(1) ?? "", $0.string(2) ?? "") }
            return found
        }
        return try watchTrend(of: project, by: period, category: category, served: served)
    }
}

extension ExportStore {
    /// The trend of a watch project whose samples' model and time are `served`, by item (see `AppDatabase.watchTrend`).
    func watchTrend(of project: Project, by period: WatchTrend.Period, category: String?, served: [Int64: (String, String)]) throws -> WatchTrend {
        guard let setup = project.judging, let scale = setup.scale else { throw StoreError(.invalid, "\(project.name) is not a watch project") }
        let policy = ExportPolicy(project: project, consensus: .majority)
        var judged: [WatchTrend.Judged] = []
        try forEachStoredItem(in: project, answeredOnly: true, withInputs: category != nil) { batch in
            for item in batch {
                guard let (model, at) = served[item.itemID], case .resolved(.labels(let labels), _) = policy.resolve(item).resolution,
                      let verdict = labels.first else { continue }
                var group: String? = nil
                if let category {
                    let input = (try? JSONParser.parse(item.input)) ?? .null
                    switch input["meta"]?[category] {
                    case .string(let text)?: group = text
                    case .number(let n)?: group = n
                    case .bool(let b)?: group = String(b)
                    default: group = "(none)"
                    }
                }
                judged.append(WatchTrend.Judged(model: model, servedAt: at, verdict: verdict, category: group))
            }
        }
        return WatchTrend(judged: judged, scale: scale, by: period, alertBelow: setup.alertBelow)
    }
}

extension AppDatabase {
    /// The samples a watch project keeps (its sample rate's share), or why it takes none.
    static func keptSamples(_ samples: [WatchSample], for project: Project) throws -> [WatchSample] {
        guard project.kind == .watch, let setup = project.judging else {
            throw StoreError(.invalid, "\(project.name) is a \(project.kind.rawValue) project: samples go to a watch project (quorum project create --kind watch)")
        }
        return samples.filter { $0.kept(rate: setup.sampleRate) }
    }

    /// The conversation of a watch sample with `answer` as the answer it should have had, or why there is none.
    static func correctedConversation(_ found: (Item, Project)?, itemID: Int64, answer: String) throws -> JSONValue {
        guard let (item, project) = found, project.kind == .watch else {
            throw StoreError(.notFound, "no watch sample \(itemID) (corrections are for watch projects' samples)")
        }
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw StoreError(.invalid, "write the answer the model should have given") }
        return JSONValue.array((item.input["messages"]?.arrayValue ?? []) + [["role": "assistant", "content": .string(text)]])
    }
}

extension AppDatabase {
    /// Keeps a lead's correction of a watch sample: its conversation with `answer` as the answer it should have had.
    public func correctSample(itemID: Int64, answer: String, by user: User) throws {
        let messages = try Self.correctedConversation(try item(id: itemID), itemID: itemID, answer: answer)
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO watch_corrections (item_id, messages, user_id, corrected_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (item_id) DO UPDATE SET messages = excluded.messages, user_id = excluded.user_id, corrected_at = excluded.corrected_at
                """, arguments: [itemID, messages.jsonText, user.id, Self.timestamp()])
        }
    }

    /// A watch sample's correction (the answer it should have had), if it has one.
    public func correction(of itemID: Int64) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT json_extract(messages, '$[#-1].content') FROM watch_corrections WHERE item_id = ?", arguments: [itemID])
        }
    }
}
