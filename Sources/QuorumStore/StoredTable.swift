/// One of the tables Quorum keeps, as `quorum migrate` copies it between SQLite and PostgreSQL: its columns with
/// the kind of value each holds, and the columns that order its rows (its key).
public struct StoredTable: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case integer, real, text, blob
    }

    public var name: String
    public var columns: [(name: String, kind: Kind)]
    public var key: [String]

    init(_ name: String, key: [String] = ["id"], _ columns: [(String, Kind)]) {
        self.name = name
        self.columns = columns.map { (name: $0.0, kind: $0.1) }
        self.key = key
    }

    public static func == (a: StoredTable, b: StoredTable) -> Bool {
        a.name == b.name && a.key == b.key && a.columns.map(\.name) == b.columns.map(\.name) && a.columns.map(\.kind) == b.columns.map(\.kind)
    }

    /// The tables of work under way, never copied: a claim means nothing in another database.
    public static let notCopied: Set<String> = ["exports_under_way"]

    /// Every table, each after the tables it refers to. A test holds this list to the SQLite schema, so a column
    /// added by a later migration cannot be left behind by a copy.
    public static let all: [StoredTable] = [
        StoredTable("users", [("id", .integer), ("username", .text), ("display_name", .text), ("role", .text), ("password_hash", .text),
                              ("disabled", .integer), ("created_at", .text)]),
        StoredTable("projects", [("id", .integer), ("slug", .text), ("name", .text), ("kind", .text), ("labels", .text), ("multi_label", .integer),
                                 ("annotators_per_item", .integer), ("guidelines_md", .text), ("export_settings", .text), ("created_at", .text),
                                 ("item_count", .integer), ("annotation_count", .integer), ("complete_count", .integer), ("staged_from", .integer),
                                 ("staging_import", .integer)]),
        StoredTable("models", [("id", .integer), ("name", .text), ("base_url", .text), ("model", .text), ("api_key_env", .text), ("temperature", .real),
                               ("max_completion_tokens", .integer), ("concurrency", .integer), ("price_input", .real), ("price_output", .real),
                               ("created_at", .text)]),
        StoredTable("sessions", key: ["token_hash"], [("token_hash", .text), ("user_id", .integer), ("csrf_token", .text), ("expires_at", .text)]),
        StoredTable("project_members", key: ["project_id", "user_id"], [("project_id", .integer), ("user_id", .integer)]),
        StoredTable("imports", [("id", .integer), ("project_id", .integer), ("file_name", .text), ("format", .text), ("sha256", .text),
                                ("imported", .integer), ("duplicates", .integer), ("rejected", .integer), ("user_id", .integer), ("created_at", .text)]),
        StoredTable("items", [("id", .integer), ("project_id", .integer), ("external_id", .text), ("input", .text), ("input_hash", .blob),
                              ("suggestions", .text), ("split", .text), ("import_id", .integer), ("created_at", .text), ("taken", .integer),
                              ("submitted", .integer), ("model_suggestion", .text), ("suggestion_withheld", .integer)]),
        StoredTable("annotations", [("id", .integer), ("item_id", .integer), ("annotator_id", .integer), ("status", .text), ("decision", .text),
                                    ("labels", .text), ("spans", .text), ("messages", .text), ("note", .text), ("seconds_spent", .real),
                                    ("version", .integer), ("created_at", .text), ("updated_at", .text), ("criteria", .text),
                                    ("suggestion_outcome", .text), ("suggestion_run", .integer)]),
        StoredTable("annotation_events", [("id", .integer), ("annotation_id", .integer), ("user_id", .integer), ("action", .text), ("before", .text),
                                          ("after", .text), ("at", .text)]),
        StoredTable("leases", key: ["item_id", "annotator_id"], [("item_id", .integer), ("annotator_id", .integer), ("expires_at", .text)]),
        StoredTable("exports", [("id", .integer), ("project_id", .integer), ("format", .text), ("settings", .text), ("counts", .text), ("files", .text),
                                ("user_id", .integer), ("created_at", .text)]),
        StoredTable("agreement_snapshots", [("id", .integer), ("project_id", .integer), ("taken_at", .text), ("annotations", .integer),
                                            ("shared_items", .integer), ("coefficient", .text), ("value", .real), ("figures", .text)]),
        StoredTable("item_comments", [("id", .integer), ("item_id", .integer), ("user_id", .integer), ("body", .text), ("created_at", .text)]),
        StoredTable("annotator_counts", key: ["project_id", "annotator_id"], [("project_id", .integer), ("annotator_id", .integer), ("submitted", .integer)]),
        StoredTable("runs", [("id", .integer), ("project_id", .integer), ("model_id", .integer), ("selection", .text), ("items", .text),
                             ("item_count", .integer), ("status", .text), ("message", .text), ("started_at", .text), ("finished_at", .text),
                             ("purpose", .text), ("lease_until", .text)]),
        StoredTable("run_outputs", key: ["run_id", "item_id"], [("run_id", .integer), ("item_id", .integer), ("output", .text), ("finish_reason", .text),
                                                               ("input_tokens", .integer), ("output_tokens", .integer), ("latency_ms", .integer),
                                                               ("attempts", .integer), ("error", .text), ("created_at", .text)]),
        StoredTable("gold", key: ["item_id"], [("item_id", .integer), ("resolution", .text), ("source", .text), ("decided_by", .integer), ("decided_at", .text)]),
        StoredTable("judged_answers", key: ["item_id"], [("item_id", .integer), ("source_item_id", .integer), ("run_a", .integer), ("run_b", .integer)]),
        StoredTable("judging_sides", key: ["item_id", "annotator_id"], [("item_id", .integer), ("annotator_id", .integer), ("a_on_left", .integer)]),
        StoredTable("api_tokens", [("id", .integer), ("name", .text), ("user_id", .integer), ("project_id", .integer), ("scope", .text),
                                   ("token_hash", .text), ("created_at", .text), ("last_used_at", .text), ("revoked_at", .text)]),
        StoredTable("watch_samples", key: ["item_id"], [("item_id", .integer), ("model", .text), ("served_at", .text)]),
        StoredTable("watch_corrections", key: ["item_id"], [("item_id", .integer), ("messages", .text), ("user_id", .integer), ("corrected_at", .text)]),
    ]

    /// Tables whose `id` PostgreSQL numbers itself (an identity column): after a copy its count goes on from the largest.
    public var hasIdentity: Bool { key == ["id"] }
}
