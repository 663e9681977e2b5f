import Foundation
import GRDB
import QuorumCore

extension AppDatabase {
    /// The columns `ItemRow` reads, in its order.
    /// The suggestion is the model's where a suggesting run left one, else the imported one, and none on an item
    /// drawn to go without (`Schema.v9`).
    static let itemColumns = "i.id, i.project_id, i.external_id, i.input, "
        + "CASE WHEN i.suggestion_withheld <> 0 THEN NULL ELSE COALESCE(i.model_suggestion, i.suggestions) END"

    /// The condition that keeps a staged import's items (`Schema.v7`) out of a list of the project's items `i`;
    /// `project` is the statement's parameter holding the project's id. Read once per statement, not per row.
    static func published(_ project: String) -> String {
        "i.id < (SELECT COALESCE(staged_from, 9223372036854775807) FROM projects WHERE id = \(project))"
    }

    /// An item as stored, in a transaction already open.
    static func itemRow(_ db: Database, id: Int64) throws -> ItemRow? {
        try db.cachedStatement(sql: "SELECT \(itemColumns) FROM items i WHERE i.id = ?").firstRow(id, read: ItemRow.init)
    }

    /// A project through `recent`, in a transaction already open.
    static func project(_ db: Database, _ recent: RecentReads, id: Int64) throws -> Project? {
        try recent.projects.value(for: id) { try Self.project(db, id: id) }
    }

    /// The columns `annotation(_:annotator:)` reads, in its order.
    static let annotationColumns = "a.id, a.item_id, a.status, a.decision, a.labels, a.spans, a.messages, a.note, a.version, a.seconds_spent, "
        + "a.updated_at, a.criteria, a.suggestion_outcome"

    static func annotation(_ row: some StoredColumns, annotator: User) -> Annotation {
        let labels = row.string(4).flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue) ?? []
        let spans = row.string(5).flatMap { try? JSONParser.parse($0) } ?? .array([])
        let messages = row.string(6).flatMap { try? JSONParser.parse($0) }
        let criteria = row.string(11).flatMap { try? JSONParser.parse($0) }?.objectValue ?? []
        return Annotation(id: row.int64(0), itemID: row.int64(1), annotator: annotator,
                          status: row.string(2).flatMap(AnnotationStatus.init(rawValue:)) ?? .draft,
                          decision: row.string(3).flatMap(Decision.init(rawValue:)), labels: labels, spans: spans,
                          messages: messages, note: row.string(7) ?? "", version: row.int(8), secondsSpent: row.double(9),
                          updatedAt: row.string(10) ?? "",
                          criteria: Dictionary(criteria.compactMap { m in m.value.stringValue.map { (m.key, $0) } }, uniquingKeysWith: { a, _ in a }),
                          suggestionOutcome: row.string(12).flatMap(ModelSuggestion.Outcome.init(rawValue:)))
    }

    public func item(id: Int64) throws -> (Item, Project)? {
        try writer.read { [recent] db in
            guard let item = try Self.itemRow(db, id: id), let project = try Self.project(db, recent, id: item.projectID) else { return nil }
            return (item.item, project)
        }
    }

    /// The next item for `annotator`: their open draft first, then an item they hold a lease on, then the
    /// first item that still has a free slot (fewer than `annotatorsPerItem` answers and leases by others)
    /// and that they have not answered or skipped. Taking it leases it for `lease` seconds, in the same
    /// transaction, so two annotators asking at once never take the same slot.
    /// The annotator's progress comes in the same transaction.
    /// Done with other requests' writes in one transaction (`WriteBatcher`).
    public func nextItem(in project: Project, for annotator: User, lease: TimeInterval = 600) async throws -> (Item, Annotation?, AnnotatorProgress)? {
        let taken = try await batcher.write { db -> (ItemRow, Annotation?, AnnotatorProgress)? in
            guard let (item, draft) = try Self.takeNextItem(db, in: project, for: annotator, lease: lease) else { return nil }
            return (item, draft, try Self.progress(db, in: project, of: annotator))
        }
        return taken.map { ($0.item, $1, $2) }
    }

    private static func takeNextItem(_ db: Database, in project: Project, for annotator: User, lease: TimeInterval) throws -> (ItemRow, Annotation?)? {
        let now = Self.timestamp()
        // An expired lease no longer holds its slot but is kept a day, so an answer sent late is still taken.
        try db.cachedStatement(sql: "DELETE FROM leases WHERE expires_at < ?").run(Self.timestamp(Date().addingTimeInterval(-Self.leaseGrace)))
        if let draft = try db.cachedStatement(sql: """
            SELECT \(annotationColumns) FROM annotations a JOIN items i ON i.id = a.item_id
            WHERE i.project_id = ? AND a.annotator_id = ? AND a.status = 'draft' ORDER BY a.updated_at LIMIT 1
            """).firstRow(project.id, annotator.id, read: { Self.annotation($0, annotator: annotator) }),
           let item = try itemRow(db, id: draft.itemID) {
            return (item, draft)
        }
        let expires = Self.timestamp(Date().addingTimeInterval(lease))
        if let held = try db.cachedStatement(sql: """
            SELECT \(itemColumns) FROM leases l CROSS JOIN items i ON i.id = l.item_id
            WHERE i.project_id = ? AND l.annotator_id = ? AND l.expires_at >= ?
              AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = ?)
            ORDER BY i.id LIMIT 1
            """).firstRow(project.id, annotator.id, now, annotator.id, read: ItemRow.init) {
            try db.cachedStatement(sql: "UPDATE leases SET expires_at = ? WHERE item_id = ? AND annotator_id = ?")
                           .run(expires, held.id, annotator.id)
            return (held, nil)
        }
        // Items nearest to complete first (so answers for agreement arrive together), then in import order:
        // the order of the `items_open` index, so this is a seek, not a scan.
        guard let item = try db.cachedStatement(sql: """
            SELECT \(itemColumns) FROM items i INDEXED BY items_open
            WHERE i.project_id = ?1 AND i.taken < ?3 AND \(published("?1"))
              AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = ?2)
              AND i.taken + (SELECT COUNT(*) FROM leases l WHERE l.item_id = i.id AND l.annotator_id != ?2 AND l.expires_at >= ?4) < ?3
            ORDER BY i.taken DESC, i.id LIMIT 1
            """).firstRow(project.id, annotator.id, project.annotatorsPerItem, now, read: ItemRow.init) else { return nil }
        try db.cachedStatement(sql: """
            INSERT INTO leases (item_id, annotator_id, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (item_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at
            """).run(item.id, annotator.id, expires)
        return (item, nil)
    }

    /// The project's counts and the annotator's own (schema v4), kept up as answers are saved: three row reads.
    static func progress(_ db: Database, in project: Project, of annotator: User) throws -> AnnotatorProgress {
        try db.cachedStatement(sql: """
            SELECT p.item_count, p.complete_count,
                   COALESCE((SELECT c.submitted FROM annotator_counts c WHERE c.project_id = p.id AND c.annotator_id = ?2), 0)
            FROM projects p WHERE p.id = ?1
            """).firstRow(project.id, annotator.id) { AnnotatorProgress(mine: $0.int(2), complete: $0.int(1), items: $0.int(0)) }
            ?? AnnotatorProgress(mine: 0, complete: 0, items: 0)
    }

    /// How far the project and the annotator have got.
    public func progress(in project: Project, of annotator: User) throws -> AnnotatorProgress {
        try writer.read { db in try Self.progress(db, in: project, of: annotator) }
    }

    /// Stores an annotator's answer for an item, if `input.version` is the version they last saw
    /// (0 for a first answer); otherwise a conflict, and nothing changes. Every change is kept in
    /// `annotation_events` with what it was before.
    /// The item is read, the annotator's right to answer it and the answer itself checked, in the same
    /// transaction, done with other requests' writes (`WriteBatcher`). Returns the stored answer and its project.
    public func saveAnnotation(_ input: AnnotationInput, itemID: Int64, by annotator: User) async throws -> (annotation: Annotation, project: Project) {
        try await batcher.write { [recent] db in
            guard let item = try Self.itemRow(db, id: itemID) else { throw StoreError(.notFound, "no such item") }
            guard let project = try Self.project(db, recent, id: item.projectID) else { throw StoreError(.notFound, "no such project") }
            guard try annotator.role != .annotator || Self.isMember(db, recent, user: annotator, of: project) else {
                throw StoreError(.forbidden, "you are not a member of this project")
            }
            let aOnLeft = project.kind == .compare ? try Self.drawSide(db, itemID: item.id, annotatorID: annotator.id) : true
            let (kept, suggestion) = try Self.prepared(input, item: item, project: project, aOnLeft: aOnLeft)
            return (try Self.save(db, kept, item: item, by: annotator, suggestion: suggestion), project)
        }
    }

    /// An answer checked and made ready to keep, and what became of the suggestion shown with the item (kept with a
    /// submitted answer). `aOnLeft`: the side drawn for this judge of a compare project (it turns "left" back into
    /// the run it was: judgements are kept in the pair's terms). A chat answer sent without a conversation over a
    /// model's draft is the draft as it stands.
    static func prepared(_ input: AnnotationInput, item: ItemRow, project: Project,
                         aOnLeft: Bool) throws -> (input: AnnotationInput, suggestion: (outcome: ModelSuggestion.Outcome, run: Int64?)?) {
        // Only spans are checked against the item's text: other answers need it not parsed.
        if let problem = input.problems(project: project, input: input.spans.isEmpty ? .null : item.parsedInput).first { throw problem }
        var input = input
        if project.kind.isJudging {
            (input.labels, input.criteria) = input.inPairTerms(kind: project.kind, aOnLeft: aOnLeft)
        }
        let suggestion = item.suggestions.flatMap { try? JSONParser.parse($0) }
        if project.kind == .chat, input.messages == nil, input.decision != .reject, let draft = suggestion?["messages"] {
            input.messages = draft
        }
        let outcome = input.status == .submitted ? ModelSuggestion.outcome(of: suggestion, answer: input, kind: project.kind) : nil
        return (input, outcome.map { ($0, suggestion?["run"]?.intValue.map(Int64.init)) })
    }

    /// How long an expired lease still lets its annotator answer (it no longer holds the slot).
    static let leaseGrace: TimeInterval = 24 * 3600

    private static func save(_ db: Database, _ input: AnnotationInput, item: ItemRow, by annotator: User,
                             suggestion: (outcome: ModelSuggestion.Outcome, run: Int64?)? = nil) throws -> Annotation {
        let now = Self.timestamp()
        let current = try db.cachedStatement(sql: "SELECT \(annotationColumns) FROM annotations a WHERE a.item_id = ? AND a.annotator_id = ?")
            .firstRow(item.id, annotator.id) { Self.annotation($0, annotator: annotator) }
        // A first answer needs the item to have been handed to this annotator: no answers past the project's
        // annotators per item, none to items picked by id.
        if current == nil,
           try db.cachedStatement(sql: "SELECT 1 FROM leases WHERE item_id = ? AND annotator_id = ?").firstRow(item.id, annotator.id, read: { _ in true }) == nil {
            throw StoreError(.forbidden, "this item was not handed to you (ask for the next item first): an answer needs the item's lease")
        }
        guard (current?.version ?? 0) == input.version else {
            throw StoreError(.conflict, "this answer was saved elsewhere since (version \(current?.version ?? 0), you sent \(input.version)): reload it")
        }
        let (labels, spans, messages, criteria) = Self.storedTexts(of: input)
        let id: Int64
        if let current {
            try db.cachedStatement(sql: """
                UPDATE annotations SET status = ?, decision = ?, labels = ?, spans = ?, messages = ?, note = ?,
                    seconds_spent = seconds_spent + ?, version = version + 1, updated_at = ?, criteria = ?,
                    suggestion_outcome = ?, suggestion_run = ? WHERE id = ?
                """).run(input.status.rawValue, input.decision?.rawValue, labels, spans, messages, input.note,
                                 input.secondsSpent, now, criteria, suggestion?.outcome.rawValue, suggestion?.run, current.id)
            id = current.id
        } else {
            try db.cachedStatement(sql: """
                INSERT INTO annotations (item_id, annotator_id, status, decision, labels, spans, messages, note, seconds_spent,
                    version, created_at, updated_at, criteria, suggestion_outcome, suggestion_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)
                """).run(item.id, annotator.id, input.status.rawValue, input.decision?.rawValue, labels, spans, messages,
                                 input.note, input.secondsSpent, now, now, criteria, suggestion?.outcome.rawValue, suggestion?.run)
            id = db.lastInsertedRowID
        }
        try countAnswer(db, itemID: item.id, projectID: item.projectID, annotatorID: annotator.id, from: current?.status, to: input.status)
        if input.status != .draft {
            try db.cachedStatement(sql: "DELETE FROM leases WHERE item_id = ? AND annotator_id = ?").run(item.id, annotator.id)
        }
        let stored = Self.written(input, id: id, item: item, by: annotator, over: current, at: now, outcome: suggestion?.outcome)
        try db.cachedStatement(sql: "INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at) VALUES (?, ?, ?, ?, ?, ?)")
                       .run(id, annotator.id, current == nil ? "create" : "update", current?.json.jsonText, stored.json.jsonText, now)
        return stored
    }

    /// An answer's labels, spans, messages and criteria as their columns hold them.
    static func storedTexts(of input: AnnotationInput) -> (labels: String, spans: String, messages: String?, criteria: String?) {
        (JSONValue.array(input.labels.map { .string($0) }).jsonText, JSONValue.array(input.spans.map(\.json)).jsonText, input.messages?.jsonText,
         input.criteria.isEmpty ? nil : JSONValue.object(input.criteria.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }).jsonText)
    }

    /// The answer as just written over `current` (what a read back would give).
    static func written(_ input: AnnotationInput, id: Int64, item: ItemRow, by annotator: User, over current: Annotation?, at now: String,
                        outcome: ModelSuggestion.Outcome?) -> Annotation {
        Annotation(id: id, itemID: item.id, annotator: annotator, status: input.status, decision: input.decision,
                   labels: input.labels, spans: .array(input.spans.map(\.json)), messages: input.messages, note: input.note,
                   version: (current?.version ?? 0) + 1, secondsSpent: (current?.secondsSpent ?? 0) + input.secondsSpent, updatedAt: now,
                   criteria: input.criteria, suggestionOutcome: outcome)
    }

    /// How an answer's status changing from `old` (nil: a new answer) to `new` moves the item's taken slots (any
    /// answer but a skip) and its submitted answers.
    static func countChange(from old: AnnotationStatus?, to new: AnnotationStatus) -> (taken: Int, submitted: Int) {
        func takes(_ status: AnnotationStatus?) -> Int { status == nil || status == .skipped ? 0 : 1 }
        func submits(_ status: AnnotationStatus?) -> Int { status == .submitted ? 1 : 0 }
        return (takes(new) - takes(old), submits(new) - submits(old))
    }

    /// Keeps the counts in step with an answer whose status changed from `old` (nil: a new answer) to `new`: the
    /// item's taken slots (any answer but a skip) and submitted answers (and, by trigger, the project's counts),
    /// and the annotator's submitted count.
    static func countAnswer(_ db: Database, itemID: Int64, projectID: Int64, annotatorID: Int64,
                            from old: AnnotationStatus?, to new: AnnotationStatus) throws {
        let (taken, submitted) = countChange(from: old, to: new)
        guard taken != 0 || submitted != 0 else { return }
        try db.cachedStatement(sql: "UPDATE items SET taken = taken + ?, submitted = submitted + ? WHERE id = ?").run(taken, submitted, itemID)
        guard submitted != 0 else { return }
        try db.cachedStatement(sql: """
            INSERT INTO annotator_counts (project_id, annotator_id, submitted) VALUES (?, ?, ?)
            ON CONFLICT (project_id, annotator_id) DO UPDATE SET submitted = submitted + excluded.submitted
            """).run(projectID, annotatorID, submitted)
    }

    /// Every annotator's answer for an item (for leads; annotators never see others' answers).
    public func annotations(itemID: Int64) throws -> [Annotation] {
        try writer.read { db in
            var all: [Annotation] = []
            try db.cachedStatement(sql: """
                SELECT \(Self.annotationColumns), u.id, u.username, u.display_name, u.role, u.disabled, u.created_at
                FROM annotations a JOIN users u ON u.id = a.annotator_id WHERE a.item_id = ? ORDER BY a.id
                """).forEachRow(itemID) { row in
                let user = User(id: row.int64(13), username: row.string(14) ?? "", displayName: row.string(15) ?? "",
                                role: row.string(16).flatMap(UserRole.init(rawValue:)) ?? .annotator, disabled: row.bool(17),
                                createdAt: row.string(18) ?? "")
                all.append(Self.annotation(row, annotator: user))
            }
            return all
        }
    }

    /// The annotator's own answer for an item, if any.
    public func annotation(itemID: Int64, by annotator: User) throws -> Annotation? {
        try writer.read { db in
            try db.cachedStatement(sql: "SELECT \(Self.annotationColumns) FROM annotations a WHERE a.item_id = ? AND a.annotator_id = ?")
                .firstRow(itemID, annotator.id) { Self.annotation($0, annotator: annotator) }
        }
    }

    /// The items the annotator has answered in a project, oldest first (to go back and correct them).
    public func answeredItems(in project: Project, by annotator: User) throws -> [Int64] {
        try writer.read { db in
            try Int64.fetchAll(db.cachedStatement(sql: """
                SELECT a.item_id FROM annotations a JOIN items i ON i.id = a.item_id
                WHERE i.project_id = ? AND a.annotator_id = ? AND a.status != 'draft' ORDER BY a.created_at, a.id
                """), arguments: [project.id, annotator.id])
        }
    }

    /// The projects a user may see: all for admins and leads, their memberships for annotators.
    public func projectSummaries(visibleTo user: User) throws -> [ProjectSummary] {
        let all = try projectSummaries()
        guard user.role == .annotator else { return all }
        let memberOf = try writer.read { db in
            Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT project_id FROM project_members WHERE user_id = ?"), arguments: [user.id]))
        }
        return all.filter { memberOf.contains($0.project.id) }
    }
}
