import Foundation
import PostgresNIO
import QuorumCore

/// The annotating loop on PostgreSQL, safe with any number of servers: an item is handed out under a row lock
/// (`FOR NO KEY UPDATE SKIP LOCKED`, so annotators asking at once take different items rather than wait for each other),
/// and an answer is saved with its row locked and its version checked, each in one statement (`PostgresSchema.v3`'s
/// functions).
extension PostgresServerStore: AnnotationStore {

    public func item(id: Int64) async throws -> (Item, Project)? {
        guard let row = try await rows(Hot.ItemByID.self, { $0.append(id) }).first else { return nil }
        let item = ItemRow(row)
        guard let project = try await project(id: item.projectID) else { return nil }
        return (item.item, project)
    }

    /// As on SQLite (`AppDatabase.takeNextItem`): the annotator's draft, else an item they hold a lease on, else the
    /// first item with a free slot, in one statement (`quorum_hand_out`, `PostgresSchema.v3`).
    public func nextItem(in project: Project, for annotator: User, lease: TimeInterval) async throws -> (Item, Annotation?, AnnotatorProgress)? {
        if leasesToClear() {
            try await rows(Hot.ExpiredLeases.self) { $0.append(AppDatabase.leaseGrace) }
        }
        guard let row = try await rows(Hot.HandOut.self, {
            $0.append(project.id)
            $0.append(annotator.id)
            $0.append(Int64(project.annotatorsPerItem))
            $0.append(lease)
        }).first else { return nil }
        let draft = row.isNull(5) ? nil : AppDatabase.annotation(row.from(5), annotator: annotator)
        return (ItemRow(row).item, draft, AnnotatorProgress(mine: row.int(20), complete: row.int(19), items: row.int(18)))
    }

    public func progress(in project: Project, of annotator: User) async throws -> AnnotatorProgress {
        try await rows(Hot.Progress.self) {
            $0.append(project.id)
            $0.append(annotator.id)
        }.first.map { AnnotatorProgress(mine: $0.int(2), complete: $0.int(1), items: $0.int(0)) } ?? AnnotatorProgress(mine: 0, complete: 0, items: 0)
    }

    /// As on SQLite (`AppDatabase.saveAnnotation`), in two statements: the item, its project, the membership and the
    /// current answer are read; once the answer is checked and its history written out here, `quorum_save_answer`
    /// (`PostgresSchema.v3`) writes it if the answer is still at the version read (its row locked while that is
    /// checked), so what was read is what the history says it replaced. Of two saves of one version, through one server
    /// or two, the second gets a conflict; two first answers at once meet at the unique key, and the second gets one too.
    public func saveAnnotation(_ input: AnnotationInput, itemID: Int64, by annotator: User) async throws -> (annotation: Annotation, project: Project) {
        func both(_ bindings: inout PostgresBindings) {
            bindings.append(itemID)
            bindings.append(annotator.id)
        }
        guard let row = try await rows(Hot.AnswerToSave.self, both).first else { throw StoreError(.notFound, "no such item") }
        let item = ItemRow(row), project = StoredProject(row, at: 5).project
        if annotator.role == .annotator, !row.bool(15) {
            throw StoreError(.forbidden, "you are not a member of this project")
        }
        let aOnLeft = project.kind == .compare ? try await drawSide(itemID: item.id, annotatorID: annotator.id) : true
        let (kept, suggestion) = try AppDatabase.prepared(input, item: item, project: project, aOnLeft: aOnLeft)
        let current = row.isNull(16) ? nil : AppDatabase.annotation(row.from(16), annotator: annotator)
        if current == nil, !row.bool(30) { throw Self.unleased }
        guard (current?.version ?? 0) == input.version else {
            throw StoreError(.conflict, "this answer was saved elsewhere since (version \(current?.version ?? 0), you sent \(input.version)): reload it")
        }
        let now = AppDatabase.timestamp(), id = row.int64(29)
        let stored = AppDatabase.written(kept, id: id, item: item, by: annotator, over: current, at: now, outcome: suggestion?.outcome)
        let (labels, spans, messages, criteria) = AppDatabase.storedTexts(of: kept)
        let (taken, submitted) = AppDatabase.countChange(from: current?.status, to: kept.status)
        let refusal = try await rows(Hot.SaveAnswer.self) {
            $0.append(id)
            $0.append(item.id)
            $0.append(item.projectID)
            $0.append(annotator.id)
            $0.append(Int64(kept.version))
            $0.append(kept.status.rawValue)
            $0.append(kept.decision?.rawValue)
            $0.append(labels)
            $0.append(spans)
            $0.append(messages)
            $0.append(kept.note)
            $0.append(kept.secondsSpent)
            $0.append(now)
            $0.append(criteria)
            $0.append(suggestion?.outcome.rawValue)
            $0.append(suggestion?.run)
            $0.append(Int64(taken))
            $0.append(Int64(submitted))
            $0.append(current?.json.jsonText)
            $0.append(stored.json.jsonText)
        }.first.flatMap { $0.isNull(0) ? nil : $0.int64(0) }
        switch refusal {
        case nil: return (stored, project)
        case -1: throw Self.unleased
        case let found?: throw StoreError(.conflict, "this answer was saved elsewhere since (version \(found), you sent \(input.version)): reload it")
        }
    }

    private static let unleased = StoreError(.forbidden, "this item was not handed to you (ask for the next item first): an answer needs the item's lease")

    /// The side drawn for this judge (kept from the first time: `ON CONFLICT DO NOTHING` keeps the first draw).
    func drawSide(itemID: Int64, annotatorID: Int64) async throws -> Bool {
        _ = try await rows("""
            INSERT INTO judging_sides (item_id, annotator_id, a_on_left) VALUES (\(itemID), \(annotatorID), \(Bool.random() ? 1 : 0))
            ON CONFLICT DO NOTHING
            """)
        return try await rows("SELECT a_on_left FROM judging_sides WHERE item_id = \(itemID) AND annotator_id = \(annotatorID)").first?.bool(0) ?? true
    }

    public func annotations(itemID: Int64) async throws -> [Annotation] {
        try await rows("""
            SELECT \(unescaped: AppDatabase.annotationColumns), \(unescaped: Self.userColumns)
            FROM annotations a JOIN users u ON u.id = a.annotator_id WHERE a.item_id = \(itemID) ORDER BY a.id
            """).map { AppDatabase.annotation($0, annotator: Self.user($0, at: 13)) }
    }

    public func annotation(itemID: Int64, by annotator: User) async throws -> Annotation? {
        try await rows("""
            SELECT \(unescaped: AppDatabase.annotationColumns) FROM annotations a WHERE a.item_id = \(itemID) AND a.annotator_id = \(annotator.id)
            """).first.map { AppDatabase.annotation($0, annotator: annotator) }
    }

    public func answeredItems(in project: Project, by annotator: User) async throws -> [Int64] {
        try await rows("""
            SELECT a.item_id FROM annotations a JOIN items i ON i.id = a.item_id
            WHERE i.project_id = \(project.id) AND a.annotator_id = \(annotator.id) AND a.status <> 'draft' ORDER BY a.created_at, a.id
            """).map { $0.int64(0) }
    }

    public func previewItem(in project: Project, after: Int64?) async throws -> Item? {
        try await rows("""
            SELECT \(unescaped: AppDatabase.itemColumns) FROM items i
            WHERE i.project_id = \(project.id) AND i.id > \(after ?? 0) AND i.taken < \(project.annotatorsPerItem)
              AND \(unescaped: AppDatabase.published("i.project_id")) ORDER BY i.id LIMIT 1
            """).first.map { ItemRow($0).item }
    }

    public func items(in project: Project, matching filter: ItemFilter, after: Int64?, limit: Int) async throws -> [ItemListing] {
        let (conditions, values) = AppDatabase.itemConditions(in: project, matching: filter, after: after) { "$\($0)" }
        var bindings = PostgresBindings()
        for value in values {
            switch value {
            case .number(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            }
        }
        bindings.append(Int64(limit))
        return try await rows(PostgresQuery(unsafeSQL: """
            SELECT i.id, i.external_id, i.input, i.submitted, i.split, g.source
            FROM items i LEFT JOIN gold g ON g.item_id = i.id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.id LIMIT $\(values.count + 1)
            """, binds: bindings)).map(AppDatabase.listing)
    }

    public func history(of item: Item) async throws -> [JSONValue] {
        try await rows("""
            SELECT e.action, e.before, e.after, e.at, u.username, o.username
            FROM annotation_events e JOIN annotations a ON a.id = e.annotation_id
            JOIN users u ON u.id = e.user_id JOIN users o ON o.id = a.annotator_id
            WHERE a.item_id = \(item.id) ORDER BY e.id
            """).map(AppDatabase.event)
    }

    public func split(of item: Item) async throws -> String? {
        try await rows("SELECT split FROM items WHERE id = \(item.id)").first?.string(0)
    }

    public func hasAnswered(_ item: Item, by user: User) async throws -> Bool {
        try await !rows("SELECT 1 FROM annotations WHERE item_id = \(item.id) AND annotator_id = \(user.id) AND status = 'submitted'").isEmpty
    }
}
