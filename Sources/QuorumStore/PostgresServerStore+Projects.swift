import Foundation
import PostgresNIO
import QuorumCore

/// Projects on PostgreSQL: the same checks as SQLite's (`AppDatabase+Projects`), in PostgreSQL's words.
extension PostgresServerStore: ProjectStore {
    private static let summaryColumns = StoredProject.columns + ", item_count, annotation_count, complete_count"

    private static func summary(_ row: PostgresColumns) -> ProjectSummary {
        ProjectSummary(project: StoredProject(row).project, items: row.int(10), annotations: row.int(11), completeItems: row.int(12))
    }

    public func createProject(name: String, kind: ProjectKind, labels: [String], multiLabel: Bool, annotatorsPerItem: Int,
                              guidelines: String) async throws -> Project {
        try AppDatabase.checkSettings(labels: labels, annotatorsPerItem: annotatorsPerItem)
        try AppDatabase.checkPlainKind(kind)
        return try await insertProject(name: name, kind: kind, labels: labels, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem,
                                       guidelines: guidelines, judging: nil)
    }

    /// A new project, made in a transaction of its own by `fill` (which writes its row with `insertProject`, and its
    /// items where it has them). Two servers making projects at once take turns (`namingLock`): the second sees the
    /// first's name and slug, so it is told a name is taken or numbers its slug past the other's. The unique keys stay
    /// the last word: a conflict there is reported as the name taken, and nothing of the project is kept.
    func makingProject<T: Sendable>(named name: String, _ fill: (Transaction, String) async throws -> T) async throws -> T {
        let name = try AppDatabase.checkedProjectName(name)
        do {
            return try await transaction { sql in try await fill(sql, name) }
        } catch let error as StoreError where error.kind == .conflict && !error.retriable {
            throw AppDatabase.projectNameTaken(name)
        }
    }

    func insertProject(name: String, kind: ProjectKind, labels: [String], multiLabel: Bool, annotatorsPerItem: Int, guidelines: String,
                       judging: JudgingSetup?) async throws -> Project {
        try await makingProject(named: name) { sql, name in
            try await Self.insertProject(sql, name: name, kind: kind, labels: labels, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem,
                                         guidelines: guidelines, judging: judging)
        }
    }

    /// The project's row, its slug the name's (`name` checked), numbered past those taken.
    static func insertProject(_ sql: Transaction, name: String, kind: ProjectKind, labels: [String], multiLabel: Bool, annotatorsPerItem: Int,
                              guidelines: String, judging: JudgingSetup?) async throws -> Project {
        // Held to the commit; each statement after it reads what projects made before it committed (read committed).
        try await sql.run("SELECT pg_advisory_xact_lock(\(Self.namingLock))")
        let base = Project.slug(for: name), now = AppDatabase.timestamp()
        if try await sql.first("SELECT 1 FROM projects WHERE lower(name) = lower(\(name))") != nil { throw AppDatabase.projectNameTaken(name) }
        let taken = Set(try await sql.rows("SELECT slug FROM projects WHERE slug = \(base) OR slug LIKE \(base + "-%")").compactMap { $0.string(0) })
        var slug = base, n = 2
        while taken.contains(slug) {
            slug = "\(base)-\(n)"
            n += 1
        }
        let id = try await sql.first("""
            INSERT INTO projects (slug, name, kind, labels, multi_label, annotators_per_item, guidelines_md, export_settings, created_at)
            VALUES (\(slug), \(name), \(kind.rawValue), \(AppDatabase.labelsJSON(labels)), \(multiLabel ? 1 : 0), \(annotatorsPerItem),
                    \(guidelines), \(AppDatabase.settingsJSON(judging)), \(now)) RETURNING id
            """)!.int64(0)
        return Project(id: id, slug: slug, name: name, kind: kind, labels: labels, multiLabel: multiLabel,
                       annotatorsPerItem: annotatorsPerItem, guidelines: guidelines, judging: judging, createdAt: now)
    }

    /// The advisory lock a new project's name and slug are picked under, one server at a time: names that differ
    /// but share a slug ("Queue 1", "queue-1") made at once would otherwise pick the same slug, and one be refused.
    static let namingLock: Int64 = 0x5150_4e4d  // "QPNM"

    public func findProject(_ reference: String) async throws -> Project? {
        try await rows("""
            SELECT \(unescaped: StoredProject.columns) FROM projects WHERE CAST(id AS TEXT) = \(reference) OR name = \(reference) OR slug = \(reference)
            ORDER BY CAST(id AS TEXT) = \(reference) DESC LIMIT 1
            """).first.map { StoredProject($0).project }
    }

    public func project(id: Int64) async throws -> Project? {
        try await rows(Hot.ProjectByID.self) { $0.append(id) }.first.map { StoredProject($0).project }
    }

    public func project(id: Int64, member user: User) async throws -> (project: Project, isMember: Bool)? {
        try await rows(Hot.ProjectForMember.self) {
            $0.append(id)
            $0.append(user.id)
        }.first.map { (StoredProject($0).project, $0.bool(10)) }
    }

    public func projectSummaries() async throws -> [ProjectSummary] {
        try await rows("SELECT \(unescaped: Self.summaryColumns) FROM projects_counted ORDER BY id").map(Self.summary)
    }

    public func projectSummaries(visibleTo user: User) async throws -> [ProjectSummary] {
        guard user.role == .annotator else { return try await projectSummaries() }
        return try await rows("""
            SELECT \(unescaped: Self.summaryColumns) FROM projects_counted WHERE id IN (SELECT project_id FROM project_members WHERE user_id = \(user.id))
            ORDER BY id
            """).map(Self.summary)
    }

    public func summary(of project: Project) async throws -> ProjectSummary {
        guard let row = try await rows("SELECT \(unescaped: Self.summaryColumns) FROM projects_counted WHERE id = \(project.id)").first else {
            throw StoreError(.notFound, "no such project")
        }
        return Self.summary(row)
    }

    public func addMember(project: Project, user: User) async throws {
        try await rows("INSERT INTO project_members (project_id, user_id) VALUES (\(project.id), \(user.id)) ON CONFLICT DO NOTHING")
    }

    public func members(of project: Project) async throws -> [User] {
        try await rows("""
            SELECT \(unescaped: Self.userColumns) FROM users u JOIN project_members m ON m.user_id = u.id WHERE m.project_id = \(project.id)
            ORDER BY u.username
            """).map { Self.user($0) }
    }

    public func updateProject(_ project: Project, labels: [String], multiLabel: Bool, annotatorsPerItem: Int, guidelines: String,
                              systemPrompt: String?, autoGold: String?, spanPatterns: String?, allowsOverlappingSpans: Bool?) async throws -> Project {
        try AppDatabase.checkUpdate(project, labels: labels, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem, autoGold: autoGold,
                                    spanPatterns: spanPatterns)
        let seen = Set(labels)
        let changed = AppDatabase.changedSettings(systemPrompt: systemPrompt, autoGold: autoGold, spanPatterns: spanPatterns,
                                                  allowsOverlappingSpans: allowsOverlappingSpans)
        return try await transaction { sql in
            // Locked, so that two servers changing the settings at once write them one after the other (a lock that
            // leaves the project's key free: submits refer to it as they write their counts).
            guard let stored = try await sql.first("""
                SELECT export_settings, annotators_per_item FROM projects WHERE id = \(project.id) FOR NO KEY UPDATE
                """) else {
                throw StoreError(.notFound, "the project was deleted meanwhile")
            }
            if stored.int(1) != annotatorsPerItem {
                // Complete items counted again with no submit in flight (`PostgresSchema.v5`): the count below then
                // sees every submit before, and every submit after sees the new number.
                try await sql.run("SELECT pg_advisory_xact_lock(\(PostgresSchema.countLock), \(PostgresSchema.countLockKey(project.id)))")
                try await sql.run("UPDATE project_count_shards SET complete = 0 WHERE project_id = \(project.id)")
            }
            for removed in project.labels where !seen.contains(removed) {
                let pattern = "%" + JSONValue.string(removed).jsonText + "%"
                let uses = try await sql.first("""
                    SELECT COUNT(*) FROM annotations a JOIN items i ON i.id = a.item_id
                    WHERE i.project_id = \(project.id) AND (a.labels LIKE \(pattern) OR a.spans LIKE \(pattern))
                    """)?.int(0) ?? 0
                if uses > 0 { throw AppDatabase.labelInUse(removed, uses: uses) }
            }
            let settings = Self.setting(changed, in: stored.string(0) ?? "{}")
            return StoredProject(try await sql.first("""
                UPDATE projects SET labels = \(AppDatabase.labelsJSON(labels)), multi_label = \(multiLabel ? 1 : 0),
                    annotators_per_item = \(annotatorsPerItem), guidelines_md = \(guidelines), export_settings = \(settings),
                    complete_count = CASE annotators_per_item WHEN \(annotatorsPerItem) THEN complete_count
                        ELSE (SELECT COUNT(*) FROM items i WHERE i.project_id = \(project.id) AND i.submitted >= \(annotatorsPerItem)) END
                WHERE id = \(project.id) RETURNING \(unescaped: StoredProject.columns)
                """)!).project
        }
    }

    /// A settings object's text with `members` set: in place where it has them, after the rest where not (as
    /// SQLite's `json_set` does).
    static func setting(_ members: [(key: String, value: JSONValue)], in text: String) -> String {
        var object = (try? JSONParser.parse(text))?.objectValue ?? []
        for (key, value) in members {
            if let at = object.firstIndex(where: { $0.key == key }) { object[at].value = value } else { object.append((key: key, value: value)) }
        }
        return JSONValue.object(object).jsonText
    }

    public func disableSpanPattern(projectID: Int64, pattern: String, reason: String) async throws {
        try await transaction { sql in
            guard let stored = try await sql.first("SELECT export_settings FROM projects WHERE id = \(projectID) FOR UPDATE") else { return }
            let text = stored.string(0) ?? "{}"
            var disabled = (try? JSONParser.parse(text))?["disabled_span_patterns"]?.objectValue ?? []
            disabled.removeAll { $0.key == pattern }
            disabled.append((key: pattern, value: .string(reason)))
            try await sql.run("""
                UPDATE projects SET export_settings = \(Self.setting([("disabled_span_patterns", .object(disabled))], in: text)) WHERE id = \(projectID)
                """)
        }
    }

    /// One transaction for the whole file (`PostgresStore.importItems`): other servers see none of it until it is
    /// all in, and annotators' saves go on meanwhile (PostgreSQL's snapshots do what staging does on SQLite).
    public func importItems(into project: Project, from source: ByteSource, options: ImportOptions, userID: Int64?, staged: Bool,
                            progress: ((ImportProgress) -> Void)?) async throws -> ImportSummary {
        try await client.withConnection { connection in
            try await PostgresStore(connection: connection).importItems(into: project, from: source, options: options, userID: userID, progress: progress)
        }
    }

    /// Nothing to undo: an import cut off by a stopped server was never committed.
    public func discardUnfinishedImports() async throws -> Int { 0 }

    public func exports(of project: Project) async throws -> [ExportRecord] {
        try await rows("""
            SELECT \(unescaped: AppDatabase.exportRecordColumns) FROM exports e LEFT JOIN users u ON u.id = e.user_id
            WHERE e.project_id = \(project.id) ORDER BY e.id DESC
            """).map(AppDatabase.exportRecord)
    }

    public func export(id: Int64) async throws -> ExportRecord? {
        try await rows("""
            SELECT \(unescaped: AppDatabase.exportRecordColumns) FROM exports e LEFT JOIN users u ON u.id = e.user_id WHERE e.id = \(id)
            """).first.map(AppDatabase.exportRecord)
    }

    public func projectOfExport(_ id: Int64) async throws -> Int64? {
        try await rows("SELECT project_id FROM exports WHERE id = \(id)").first?.int64(0)
    }
}
