import GRDB
import QuorumCore

extension AppDatabase {
    static func project(_ row: Row) -> Project {
        StoredProject(id: row["id"], slug: row["slug"], name: row["name"], kind: row["kind"], labels: row["labels"], multiLabel: row["multi_label"],
                      annotatorsPerItem: row["annotators_per_item"], guidelines: row["guidelines_md"], exportSettings: row["export_settings"],
                      createdAt: row["created_at"]).project
    }

    static func labelsJSON(_ labels: [String]) -> String { JSONValue.array(labels.map { .string($0) }).jsonText }

    public func createProject(name: String, kind: ProjectKind, labels: [String] = [], multiLabel: Bool = false,
                              annotatorsPerItem: Int = 1, guidelines: String = "") throws -> Project {
        try Self.checkSettings(labels: labels, annotatorsPerItem: annotatorsPerItem)
        try Self.checkPlainKind(kind)
        return try writer.write { db in
            try Self.insertProject(db, name: name, kind: kind, labels: labels, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem,
                                   guidelines: guidelines)
        }
    }

    /// A watch project: production samples (`POST /api/projects/{id}/samples`) rated blind on `scale`.
    public func createWatchProject(name: String, scale: JudgingSetup.Scale, criteria: [String] = [], sampleRate: Double = 1,
                                   alertBelow: Double? = nil, annotatorsPerItem: Int = 1, guidelines: String = "") throws -> Project {
        let setup = try Self.watchSetup(scale: scale, criteria: criteria, sampleRate: sampleRate, alertBelow: alertBelow,
                                        annotatorsPerItem: annotatorsPerItem)
        return try writer.write { db in
            try Self.insertProject(db, name: name, kind: .watch, labels: setup.labels, multiLabel: false, annotatorsPerItem: annotatorsPerItem,
                                   guidelines: guidelines, judging: setup)
        }
    }

    /// A watch project's setup, or why there can be none so.
    static func watchSetup(scale: JudgingSetup.Scale, criteria: [String], sampleRate: Double, alertBelow: Double?,
                           annotatorsPerItem: Int) throws -> JudgingSetup {
        guard sampleRate > 0, sampleRate <= 1 else { throw StoreError(.invalid, "the sample rate is a share above 0, up to 1") }
        if let alertBelow, !(alertBelow > 0 && alertBelow <= (scale == .passFail ? 1 : 5)) {
            throw StoreError(.invalid, "--alert-below is a rate (pass-fail: above 0, up to 1; 1-5: a mean rating up to 5)")
        }
        try checkSettings(labels: [], annotatorsPerItem: annotatorsPerItem)
        var setup = JudgingSetup(source: 0, runs: [], scale: scale, criteria: criteria)
        setup.sampleRate = sampleRate
        setup.alertBelow = alertBelow
        return setup
    }

    /// Makes the project's row in a transaction already open; `judging` for compare, rate and watch projects.
    static func insertProject(_ db: Database, name: String, kind: ProjectKind, labels: [String], multiLabel: Bool, annotatorsPerItem: Int,
                              guidelines: String, judging: JudgingSetup? = nil) throws -> Project {
        let name = try checkedProjectName(name)
        if try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM projects WHERE name = ?"), arguments: [name]) != nil {
            throw projectNameTaken(name)
        }
        let base = Project.slug(for: name)
        var slug = base
        var n = 2
        while try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM projects WHERE slug = ?"), arguments: [slug]) != nil {
            slug = "\(base)-\(n)"
            n += 1
        }
        let now = Self.timestamp()
        try db.cachedStatement(sql: """
            INSERT INTO projects (slug, name, kind, labels, multi_label, annotators_per_item, guidelines_md, export_settings, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [slug, name, kind.rawValue, Self.labelsJSON(labels), multiLabel, annotatorsPerItem, guidelines,
                                     settingsJSON(judging), now])
        return Project(id: db.lastInsertedRowID, slug: slug, name: name, kind: kind, labels: labels, multiLabel: multiLabel,
                       annotatorsPerItem: annotatorsPerItem, guidelines: guidelines, judging: judging, createdAt: now)
    }

    /// A new project's name as kept, or why it cannot be one.
    static func checkedProjectName(_ name: String) throws -> String {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw StoreError(.invalid, "a project needs a name") }
        guard Int64(name) == nil else { throw StoreError(.invalid, "a project name cannot be only digits (PROJECT may be an id)") }
        return name
    }

    static func projectNameTaken(_ name: String) -> StoreError { StoreError(.conflict, "a project named \"\(name)\" exists already") }

    /// A new project's settings object: its judging setup, if any.
    static func settingsJSON(_ judging: JudgingSetup?) -> String {
        judging.map { JSONValue.object([(key: "judging", value: $0.json)]).jsonText } ?? "{}"
    }

    /// Why a project cannot be made of `kind` by `createProject`, if it cannot.
    static func checkPlainKind(_ kind: ProjectKind) throws {
        guard !kind.isJudging else {
            throw StoreError(.invalid, kind == .watch ? "a watch project is made with its scale: quorum project create --kind watch --scale pass-fail|1-5"
                                                      : "a \(kind.rawValue) project is made from runs: quorum \(kind.rawValue) create")
        }
    }

    /// Labels must be non-empty and distinct; at least one annotator per item.
    static func checkSettings(labels: [String], annotatorsPerItem: Int) throws {
        guard annotatorsPerItem >= 1 else { throw StoreError(.invalid, "annotators per item must be at least 1") }
        var seen = Set<String>()
        for label in labels {
            guard !label.isEmpty else { throw StoreError(.invalid, "a label cannot be empty") }
            guard seen.insert(label).inserted else { throw StoreError(.invalid, "the label \"\(label)\" is given twice") }
        }
    }

    /// A project by id, name or slug, as every command's PROJECT argument takes it.
    public func project(_ reference: String) throws -> Project? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT * FROM projects WHERE CAST(id AS TEXT) = ?1 OR name = ?1 OR slug = ?1
                ORDER BY CAST(id AS TEXT) = ?1 DESC LIMIT 1
                """), arguments: [reference]).map(Self.project)
        }
    }

    /// A project by id, read through `recent` (the annotating routes ask on every request).
    public func project(id: Int64) throws -> Project? {
        try recent.projects.value(for: id) { try writer.read { db in try Self.project(db, id: id) } }
    }

    /// Both from this server's recent reads (`RecentReads`), as `project(id:)` and `isMember` give them.
    public func project(id: Int64, member user: User) throws -> (project: Project, isMember: Bool)? {
        guard let project = try project(id: id) else { return nil }
        return (project, try isMember(user: user, of: project))
    }

    static func project(_ db: Database, id: Int64) throws -> Project? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM projects WHERE id = ?"), arguments: [id]).map(Self.project)
    }

    /// The projects' ids and names, for a message saying which exist.
    public func projectNames() throws -> [String] {
        try projectSummaries().map { "\($0.project.id) \($0.project.name)" }
    }

    public func projectSummaries() throws -> [ProjectSummary] {
        try writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM projects ORDER BY id
                """)).map(Self.summary)
        }
    }

    /// Counts kept up as answers are saved (schema v2 and v4), so reading them costs nothing however large the project.
    static func summary(_ row: Row) -> ProjectSummary {
        ProjectSummary(project: project(row), items: row["item_count"], annotations: row["annotation_count"],
                       completeItems: row["complete_count"])
    }

    /// One project's counts (what the annotate page shows with every item).
    public func summary(of project: Project) throws -> ProjectSummary {
        try writer.read { db in
            Self.summary(try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM projects WHERE id = ?"), arguments: [project.id])!)
        }
    }

    public func addMember(project: Project, user: User) throws {
        try writer.write { db in
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO project_members (project_id, user_id) VALUES (?, ?)").execute(arguments: [project.id, user.id])
        }
    }

    public func members(of project: Project) throws -> [User] {
        try writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT u.* FROM users u JOIN project_members m ON m.user_id = u.id WHERE m.project_id = ? ORDER BY u.username
                """), arguments: [project.id]).map(Self.user)
        }
    }
}

extension AppDatabase {
    /// Changes a project's settings. A label still used by annotations or suggestions cannot be removed.
    /// `systemPrompt`, `autoGold`, `spanPatterns` and `allowsOverlappingSpans` nil keep what the project has;
    /// `autoGold` "off" turns it off.
    public func updateProject(_ project: Project, labels: [String], multiLabel: Bool, annotatorsPerItem: Int, guidelines: String,
                              systemPrompt: String? = nil, autoGold: String? = nil, spanPatterns: String? = nil,
                              allowsOverlappingSpans: Bool? = nil) throws -> Project {
        try Self.checkUpdate(project, labels: labels, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem, autoGold: autoGold,
                             spanPatterns: spanPatterns)
        let seen = Set(labels)
        defer { recent.projects.remove(project.id) }
        return try writer.write { db in
            for removed in project.labels where !seen.contains(removed) {
                let pattern = "%" + JSONValue.string(removed).jsonText + "%"
                let uses = try Int.fetchOne(db.cachedStatement(sql: """
                    SELECT (SELECT COUNT(*) FROM annotations a JOIN items i ON i.id = a.item_id
                            WHERE i.project_id = ?1 AND (a.labels LIKE ?2 OR a.spans LIKE ?2))
                    """), arguments: [project.id, pattern]) ?? 0
                if uses > 0 { throw Self.labelInUse(removed, uses: uses) }
            }
            try db.cachedStatement(sql: """
                UPDATE projects SET labels = ?1, multi_label = ?2, annotators_per_item = ?3, guidelines_md = ?4,
                    complete_count = CASE annotators_per_item WHEN ?3 THEN complete_count
                        ELSE (SELECT COUNT(*) FROM items i WHERE i.project_id = ?5 AND i.submitted >= ?3) END
                WHERE id = ?5
                """).execute(arguments: [Self.labelsJSON(labels), multiLabel, annotatorsPerItem, guidelines, project.id])
            let settings = Self.changedSettings(systemPrompt: systemPrompt, autoGold: autoGold, spanPatterns: spanPatterns,
                                                allowsOverlappingSpans: allowsOverlappingSpans)
            for (key, value) in settings {
                try db.execute(sql: "UPDATE projects SET export_settings = json_set(export_settings, ?, json(?)) WHERE id = ?",
                               arguments: ["$." + key, value.jsonText, project.id])
            }
            // The project as it is now stored: the settings object parsed as every read parses it.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM projects WHERE id = ?"), arguments: [project.id]) else {
                throw StoreError(.notFound, "the project was deleted meanwhile")
            }
            return Self.project(row)
        }
    }
}

extension AppDatabase {
    /// Why a project's settings cannot change so, if they cannot (what the database holds aside).
    static func checkUpdate(_ project: Project, labels: [String], multiLabel: Bool, annotatorsPerItem: Int, autoGold: String?,
                            spanPatterns: String?) throws {
        if project.kind.isJudging, labels != project.labels || multiLabel {
            throw StoreError(.invalid, "a \(project.kind.rawValue) project's answers are fixed (\(project.labels.joined(separator: ", "))), one per judge")
        }
        if let spanPatterns {
            do { _ = try SpanPatterns(spanPatterns, labels: labels) } catch { throw StoreError(.invalid, error.message) }
        }
        if let autoGold, autoGold != "off", ConsensusRule(autoGold) == nil {
            throw StoreError(.invalid, "automatic gold must be off, all, majority or a number of agreeing answers")
        }
        try checkSettings(labels: labels, annotatorsPerItem: annotatorsPerItem)
    }

    static func labelInUse(_ label: String, uses: Int) -> StoreError {
        StoreError(.conflict, "\"\(label)\" is used by \(counted(uses, "annotation")): it cannot be removed")
    }

    /// The members of the project's settings object to set, each only when given.
    static func changedSettings(systemPrompt: String?, autoGold: String?, spanPatterns: String?,
                                allowsOverlappingSpans: Bool?) -> [(key: String, value: JSONValue)] {
        var settings: [(key: String, value: JSONValue)] = []
        if let systemPrompt { settings.append(("system_prompt", .string(systemPrompt))) }
        if let autoGold { settings.append(("auto_gold", .string(autoGold))) }
        if let spanPatterns {
            settings.append(("span_patterns", .string(spanPatterns)))
            settings.append(("disabled_span_patterns", .object([])))
        }
        if let allowsOverlappingSpans { settings.append(("overlapping_spans", .bool(allowsOverlappingSpans))) }
        return settings
    }

    /// Turns off a spans project's pattern line that ran past its time budget, with why (shown on the settings page).
    public func disableSpanPattern(projectID: Int64, pattern: String, reason: String) throws {
        defer { recent.projects.remove(projectID) }
        try writer.write { db in
            let stored = try String.fetchOne(db, sql: "SELECT json_extract(export_settings, '$.disabled_span_patterns') FROM projects WHERE id = ?",
                                             arguments: [projectID])
            var disabled = stored.flatMap { try? JSONParser.parse($0) }?.objectValue ?? []
            disabled.removeAll { $0.key == pattern }
            disabled.append((key: pattern, value: .string(reason)))
            try db.execute(sql: "UPDATE projects SET export_settings = json_set(export_settings, '$.disabled_span_patterns', json(?)) WHERE id = ?",
                           arguments: [JSONValue.object(disabled).jsonText, projectID])
        }
    }
}
