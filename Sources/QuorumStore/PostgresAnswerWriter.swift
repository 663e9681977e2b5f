import PostgresNIO
import QuorumCore

/// The records of a PostgreSQL import that bring answers or gold (`PostgresStore.importItems`), each written on its
/// own inside the import's transaction, as `ItemWriter` writes them on SQLite: the item (or the stored one it
/// repeats), its gold, and its answers under their annotators' accounts, with their counts and history. Such files
/// are the exception (a team's earlier work brought in), so one statement per row costs little.
final class PostgresAnswerWriter {
    private let store: PostgresStore
    private let projectID: Int64
    private let importID: Int64
    private let now: String
    private let annotatorMap: [String: String]
    private let goldFor: ProjectKind?
    private let userID: Int64?
    /// Annotators' accounts found or made so far, by `ItemWriter.accountKey`.
    private var users: [String: Int64] = [:]
    private(set) var imported = 0
    private(set) var duplicates = 0
    private(set) var annotations = 0
    private(set) var golds = 0

    init(store: PostgresStore, project: Project, importID: Int64, now: String, options: ImportOptions, userID: Int64?) {
        self.store = store
        projectID = project.id
        self.importID = importID
        self.now = now
        annotatorMap = options.annotatorMap
        goldFor = options.asGold ? project.kind : nil
        self.userID = userID
    }

    /// Whether a record is written here rather than with the others by COPY.
    func takes(_ item: ImportedItem) -> Bool { !item.annotations.isEmpty || goldFor != nil }

    func insert(_ item: ImportedItem) async throws {
        let hash = item.dedupHash.withBytes(PostgresStore.hex)
        let itemID: Int64
        if let row = try await store.query("""
            INSERT INTO items (project_id, external_id, input, input_hash, suggestions, import_id, created_at)
            VALUES (\(projectID), \(item.externalID), \(item.input), decode(\(hash), 'hex'), \(item.suggestions), \(importID), \(now))
            ON CONFLICT (project_id, input_hash) DO NOTHING RETURNING id
            """).first {
            itemID = try row.decode(Int64.self)
            imported += 1
        } else {
            itemID = try await store.query("SELECT id FROM items WHERE project_id = \(projectID) AND input_hash = decode(\(hash), 'hex')")[0].decode(Int64.self)
            duplicates += 1
        }
        if let kind = goldFor, let answer = ItemWriter.gold(of: item, kind: kind) {
            try await store.query("""
                INSERT INTO gold (item_id, resolution, source, decided_by, decided_at) VALUES (\(itemID), \(answer.json.jsonText), 'imported', \(userID), \(now))
                ON CONFLICT (item_id) DO UPDATE SET resolution = excluded.resolution, source = excluded.source,
                    decided_by = excluded.decided_by, decided_at = excluded.decided_at
                """)
            golds += 1
        }
        for annotation in item.annotations {
            let annotatorID = try await account(of: annotation)
            let stored = ItemWriter.stored(annotation)
            guard let row = try await store.query("""
                INSERT INTO annotations (item_id, annotator_id, status, labels, spans, created_at, updated_at)
                VALUES (\(itemID), \(annotatorID), \(stored.status.rawValue), \(stored.labels), \(stored.spans), \(annotation.createdAt ?? now), \(now))
                ON CONFLICT (item_id, annotator_id) DO NOTHING RETURNING id
                """).first else { continue }
            let annotationID = try row.decode(Int64.self)
            let (taken, submitted) = AppDatabase.countChange(from: nil, to: stored.status)
            // The item's counts move the project's by trigger (`PostgresSchema.v1`), as a save's do.
            try await store.query("UPDATE items SET taken = taken + \(taken), submitted = submitted + \(submitted) WHERE id = \(itemID)")
            if submitted != 0 {
                try await store.query("""
                    INSERT INTO annotator_counts (project_id, annotator_id, submitted) VALUES (\(projectID), \(annotatorID), \(submitted))
                    ON CONFLICT (project_id, annotator_id) DO UPDATE SET submitted = annotator_counts.submitted + excluded.submitted
                    """)
            }
            try await store.query("""
                INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at)
                VALUES (\(annotationID), \(annotatorID), 'import', NULL, \(stored.event), \(now))
                """)
            annotations += 1
        }
    }

    /// The annotator's account, chosen as on SQLite (`ItemWriter.user`): the user the import maps the file's name to,
    /// else an account named for the source, made disabled (no password) when new; an account of that name that no
    /// import made gets a numbered one beside it. Made a member of the project.
    private func account(of annotation: ImportedAnnotation) async throws -> Int64 {
        let key = ItemWriter.accountKey(annotation)
        if let id = users[key] { return id }
        let id: Int64
        if let mapped = ItemWriter.mappedName(annotation, annotatorMap) {
            guard let row = try await store.query("SELECT id FROM users WHERE username = \(mapped)").first else {
                throw ItemWriter.unknownUser(annotation, mapped)
            }
            id = try row.decode(Int64.self)
        } else {
            var candidates = ItemWriter.accountNames(annotation).makeIterator()
            while true {
                let name = candidates.next()!
                // Usernames are unique whatever their case (`users_username`).
                guard let row = try await store.query("""
                    SELECT id, password_hash IS NULL AND disabled = 1 FROM users WHERE lower(username) = lower(\(name))
                    """).first else {
                    id = try await store.query("""
                        INSERT INTO users (username, display_name, role, password_hash, disabled, created_at)
                        VALUES (\(name), \(annotation.displayName), 'annotator', NULL, 1, \(now)) RETURNING id
                        """)[0].decode(Int64.self)
                    break
                }
                let (found, madeByImport) = try row.decode((Int64, Bool).self)
                if madeByImport {
                    id = found
                    break
                }
            }
        }
        try await store.query("INSERT INTO project_members (project_id, user_id) VALUES (\(projectID), \(id)) ON CONFLICT DO NOTHING")
        users[key] = id
        return id
    }
}
