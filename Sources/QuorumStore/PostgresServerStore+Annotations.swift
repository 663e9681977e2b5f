import Foundation
import PostgresNIO
import QuorumCore

/// The annotating loop on PostgreSQL, safe with any number of servers: an item is handed out under a row lock
/// (`FOR UPDATE SKIP LOCKED`, so annotators asking at once take different items rather than wait for each other),
/// and an answer is saved with its row locked and its version checked in the same transaction.
extension PostgresServerStore: AnnotationStore {

    public func item(id: Int64) async throws -> (Item, Project)? {
        guard let row = try await rows(Hot.ItemByID.self, { try $0.append(id) }).first else { return nil }
        let item = ItemRow(row)
        guard let project = try await project(id: item.projectID) else { return nil }
        return (item.item, project)
    }

    public func nextItem(in project: Project, for annotator: User, lease: TimeInterval) async throws -> (Item, Annotation?, AnnotatorProgress)? {
        try await transaction { sql -> (Item, Annotation?, AnnotatorProgress)? in
            guard let (item, draft) = try await Self.takeNextItem(sql, in: project, for: annotator, lease: lease,
                                                                  clearLeases: leasesToClear()) else { return nil }
            return (item.item, draft, try await Self.progress(sql, in: project, of: annotator))
        }
    }

    /// As on SQLite (`AppDatabase.takeNextItem`): the annotator's draft, else an item they hold a lease on, else the
    /// first item with a free slot. The free slot is counted again once the item's row is locked: a lease committed
    /// by another server since this statement began is then seen, and the item passed over if it is full.
    private static func takeNextItem(_ sql: Transaction, in project: Project, for annotator: User, lease: TimeInterval,
                                     clearLeases: Bool) async throws -> (ItemRow, Annotation?)? {
        let now = AppDatabase.timestamp(), expires = AppDatabase.timestamp(Date().addingTimeInterval(lease))
        if clearLeases {
            try await sql.run(Hot.ExpiredLeases.self) { try $0.append(AppDatabase.timestamp(Date().addingTimeInterval(-AppDatabase.leaseGrace))) }
        }
        if let draft = try await sql.first(Hot.Draft.self, {
               try $0.append(project.id)
               try $0.append(annotator.id)
           }).map({ AppDatabase.annotation($0, annotator: annotator) }),
           let item = try await sql.first(Hot.ItemByID.self, { try $0.append(draft.itemID) }) {
            return (ItemRow(item), draft)
        }
        if let held = try await sql.first(Hot.HeldLease.self, {
            try $0.append(project.id)
            try $0.append(annotator.id)
            try $0.append(now)
        }).map(ItemRow.init) {
            try await sql.run(Hot.RenewLease.self) {
                try $0.append(expires)
                try $0.append(held.id)
                try $0.append(annotator.id)
            }
            return (held, nil)
        }
        var full: [Int64] = []
        while true {
            func slot(_ bindings: inout PostgresBindings, item: Int64?) throws {
                item.map { bindings.append($0) } ?? bindings.append(project.id)
                bindings.append(annotator.id)
                bindings.append(Int64(project.annotatorsPerItem))
                try bindings.append(now)
            }
            guard let item = try await sql.first(Hot.FreeItem.self, {
                try slot(&$0, item: nil)
                try $0.append(full)
            }).map(ItemRow.init) else { return nil }
            guard try await sql.first(Hot.TakeLease.self, {
                try slot(&$0, item: item.id)
                try $0.append(expires)
            }) != nil else {
                full.append(item.id)
                continue
            }
            return (item, nil)
        }
    }

    private static func progress(_ sql: Transaction, in project: Project, of annotator: User) async throws -> AnnotatorProgress {
        try await sql.first(Hot.Progress.self) {
            $0.append(project.id)
            $0.append(annotator.id)
        }.map { AnnotatorProgress(mine: $0.int(2), complete: $0.int(1), items: $0.int(0)) } ?? AnnotatorProgress(mine: 0, complete: 0, items: 0)
    }

    public func progress(in project: Project, of annotator: User) async throws -> AnnotatorProgress {
        try await transaction { sql in try await Self.progress(sql, in: project, of: annotator) }
    }

    /// As on SQLite (`AppDatabase.saveAnnotation`), with the answer's row locked while its version is checked: of two
    /// saves of one version, through one server or two, the second gets a conflict. Two first answers at once meet
    /// at the unique key, and the second gets a conflict too.
    public func saveAnnotation(_ input: AnnotationInput, itemID: Int64, by annotator: User) async throws -> (annotation: Annotation, project: Project) {
        try await transaction { sql in
            guard let row = try await sql.first(Hot.ItemToAnswer.self, {
                $0.append(itemID)
                $0.append(annotator.id)
            }) else { throw StoreError(.notFound, "no such item") }
            let item = ItemRow(row), project = StoredProject(row, at: 5).project
            if annotator.role == .annotator, (try? row.row[15].decode(Bool.self)) != true {
                throw StoreError(.forbidden, "you are not a member of this project")
            }
            let aOnLeft = project.kind == .compare ? try await Self.drawSide(sql, itemID: item.id, annotatorID: annotator.id) : true
            let (kept, suggestion) = try AppDatabase.prepared(input, item: item, project: project, aOnLeft: aOnLeft)
            return (try await Self.save(sql, kept, item: item, by: annotator, suggestion: suggestion), project)
        }
    }

    private static func save(_ sql: Transaction, _ input: AnnotationInput, item: ItemRow, by annotator: User,
                             suggestion: (outcome: ModelSuggestion.Outcome, run: Int64?)?) async throws -> Annotation {
        let now = AppDatabase.timestamp()
        func both(_ bindings: inout PostgresBindings) {
            bindings.append(item.id)
            bindings.append(annotator.id)
        }
        let current = try await sql.first(Hot.CurrentAnswer.self, both).map { AppDatabase.annotation($0, annotator: annotator) }
        if current == nil, try await sql.first(Hot.LeaseHeld.self, both) == nil {
            throw StoreError(.forbidden, "this item was not handed to you (ask for the next item first): an answer needs the item's lease")
        }
        guard (current?.version ?? 0) == input.version else {
            throw StoreError(.conflict, "this answer was saved elsewhere since (version \(current?.version ?? 0), you sent \(input.version)): reload it")
        }
        let (labels, spans, messages, criteria) = AppDatabase.storedTexts(of: input)
        func answer(_ bindings: inout PostgresBindings) throws {
            try bindings.append(input.status.rawValue)
            try bindings.append(input.decision?.rawValue)
            try bindings.append(labels)
            try bindings.append(spans)
            try bindings.append(messages)
            try bindings.append(input.note)
            bindings.append(input.secondsSpent)
            try bindings.append(now)
        }
        let id: Int64
        if let current {
            try await sql.run(Hot.UpdateAnswer.self) {
                try answer(&$0)
                try $0.append(criteria)
                try $0.append(suggestion?.outcome.rawValue)
                try $0.append(suggestion?.run)
                $0.append(current.id)
            }
            id = current.id
        } else {
            id = try await sql.first(Hot.InsertAnswer.self) {
                both(&$0)
                try answer(&$0)
                try $0.append(criteria)
                try $0.append(suggestion?.outcome.rawValue)
                try $0.append(suggestion?.run)
            }!.int64(0)
        }
        let (taken, submitted) = AppDatabase.countChange(from: current?.status, to: input.status)
        if submitted != 0 {
            try await sql.run(Hot.CountAnswer.self) {
                $0.append(item.projectID)
                $0.append(annotator.id)
                $0.append(Int64(submitted))
            }
        }
        if input.status != .draft {
            try await sql.run(Hot.DropLease.self, both)
        }
        let stored = AppDatabase.written(input, id: id, item: item, by: annotator, over: current, at: now, outcome: suggestion?.outcome)
        try await sql.run(Hot.AnswerEvent.self) {
            $0.append(id)
            $0.append(annotator.id)
            try $0.append(current == nil ? "create" : "update")
            try $0.append(current?.json.jsonText)
            try $0.append(stored.json.jsonText)
            try $0.append(now)
        }
        // Last: the item's counts move the project's (by trigger), whose row every submit in the project waits for
        // until this transaction ends.
        if taken != 0 || submitted != 0 {
            try await sql.run(Hot.ItemCounts.self) {
                $0.append(Int64(taken))
                $0.append(Int64(submitted))
                $0.append(item.id)
            }
        }
        return stored
    }

    /// The side drawn for this judge (kept from the first time: `ON CONFLICT DO NOTHING` keeps the first draw).
    static func drawSide(_ sql: Transaction, itemID: Int64, annotatorID: Int64) async throws -> Bool {
        try await sql.run("""
            INSERT INTO judging_sides (item_id, annotator_id, a_on_left) VALUES (\(itemID), \(annotatorID), \(Bool.random() ? 1 : 0))
            ON CONFLICT DO NOTHING
            """)
        return try await sql.first("SELECT a_on_left FROM judging_sides WHERE item_id = \(itemID) AND annotator_id = \(annotatorID)")?.bool(0) ?? true
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
