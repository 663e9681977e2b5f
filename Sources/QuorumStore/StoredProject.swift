import QuorumCore

/// A project as the `projects` table holds it, read from SQLite or from PostgreSQL (both keep the same columns).
struct StoredProject {
    var id: Int64
    var slug: String
    var name: String
    var kind: String
    var labels: String
    var multiLabel: Bool
    var annotatorsPerItem: Int
    var guidelines: String
    var exportSettings: String
    var createdAt: String

    /// The columns in this order, for a query that reads them by position.
    static let columns = "id, slug, name, kind, labels, multi_label, annotators_per_item, guidelines_md, export_settings, created_at"

    var project: Project {
        let labels = (try? JSONParser.parse(labels))?.arrayValue?.compactMap(\.stringValue) ?? []
        let export = (try? JSONParser.parse(exportSettings)) ?? .object([])
        return Project(id: id, slug: slug, name: name, kind: ProjectKind(rawValue: kind) ?? .classify,
                       labels: labels, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem,
                       guidelines: guidelines,
                       systemPrompt: export["system_prompt"]?.stringValue ?? "",
                       autoGold: export["auto_gold"]?.stringValue.flatMap(ConsensusRule.init),
                       spanPatterns: export["span_patterns"]?.stringValue ?? "",
                       allowsOverlappingSpans: export["overlapping_spans"] == .bool(true),
                       disabledSpanPatterns: Dictionary((export["disabled_span_patterns"]?.objectValue ?? []).compactMap { member in
                           member.value.stringValue.map { (member.key, $0) } }, uniquingKeysWith: { a, _ in a }),
                       judging: export["judging"].flatMap(JudgingSetup.init(json:)),
                       createdAt: createdAt)
    }
}

extension StoredProject {
    /// A project from `columns`, read by position starting at `first`.
    init(_ row: some StoredColumns, at first: Int32 = 0) {
        self.init(id: row.int64(first), slug: row.string(first + 1) ?? "", name: row.string(first + 2) ?? "", kind: row.string(first + 3) ?? "",
                  labels: row.string(first + 4) ?? "[]", multiLabel: row.bool(first + 5), annotatorsPerItem: row.int(first + 6),
                  guidelines: row.string(first + 7) ?? "", exportSettings: row.string(first + 8) ?? "{}", createdAt: row.string(first + 9) ?? "")
    }
}
