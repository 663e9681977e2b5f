import Foundation
import GRDB
import QuorumCore

/// Inserts items (and annotations that came with them) with prepared statements inside the import's transaction.
/// Items without annotations wait in a row of up to `rowsPerInsert` and go in with one multi-row statement: a
/// statement's own cost (cursors on the table, its indexes and the rows it refers to) then comes once per row of
/// them rather than once per item. `INSERT OR IGNORE` rather than an upsert: the upsert's conflict handling cost
/// more, and the only uniqueness an insert can break is the duplicate key (the id is SQLite's).
/// A staged import (`holdsAnswers`) keeps records that bring answers or gold until it publishes: such a record may
/// add to an item already visible, and its counts go to the project's at once.
final class ItemWriter {
    let db: Database
    let projectID: Int64
    let importID: Int64
    let now: String
    let findItem: Statement
    /// Annotators named in the file → existing Quorum users, as the import was told (`--map-annotator`).
    let annotatorMap: [String: String]
    /// `--as-gold`: each record's labels, spans or conversation become its item's gold answer (source `imported`).
    let goldFor: ProjectKind?
    let userID: Int64?
    private(set) var golds = 0
    var users: [String: Int64] = [:]
    private var waiting: [ImportedItem] = []
    let holdsAnswers: Bool
    private var held: [ImportedItem] = []
    private var buffer: [UInt8] = []
    private var inserts: [Int: Statement] = [:]
    private(set) var imported = 0
    private(set) var duplicates = 0
    private(set) var annotations = 0

    static let rowsPerInsert = 64

    init(db: Database, projectID: Int64, importID: Int64, now: String, annotatorMap: [String: String], goldFor: ProjectKind?,
         userID: Int64?, holdsAnswers: Bool) throws {
        self.db = db
        self.holdsAnswers = holdsAnswers
        self.annotatorMap = annotatorMap
        self.goldFor = goldFor
        self.userID = userID
        self.projectID = projectID
        self.importID = importID
        self.now = now
        findItem = try db.makeStatement(sql: "SELECT id FROM items WHERE project_id = ? AND input_hash = ?")
    }

    func add(_ item: ImportedItem) throws {
        guard item.annotations.isEmpty, goldFor == nil else {
            if holdsAnswers { return held.append(item) }
            try flush()
            return try insert(annotated: item)
        }
        waiting.append(item)
        if waiting.count == Self.rowsPerInsert { try flush() }
    }

    /// Inserts the items waiting; a duplicate of an item already stored (or earlier in the row) is left out.
    /// Inputs and hashes are bound from one buffer, in place.
    func flush() throws {
        guard !waiting.isEmpty else { return }
        buffer.removeAll(keepingCapacity: true)
        var places: [(input: Range<Int>, hash: Range<Int>)] = []
        places.reserveCapacity(waiting.count)
        for item in waiting {
            let input = buffer.count
            buffer.append(contentsOf: item.input.utf8)
            let hash = buffer.count
            item.dedupHash.withBytes { buffer.append(contentsOf: $0) }
            places.append((input..<hash, hash..<buffer.count))
        }
        try buffer.withUnsafeBytes { bytes in
            var values: [any DirectValue] = []
            values.reserveCapacity(waiting.count * 7)
            for (item, place) in zip(waiting, places) {
                values.append(projectID)
                values.append(item.externalID)
                values.append(BorrowedBytes(bytes, place.input, isText: true))
                values.append(BorrowedBytes(bytes, place.hash, isText: false))
                values.append(item.suggestions)
                values.append(importID)
                values.append(now)
            }
            try statement(rows: waiting.count).run(values: values)
        }
        imported += db.changesCount
        duplicates += waiting.count - db.changesCount
        waiting.removeAll(keepingCapacity: true)
    }

    /// Writes the records held back by a staged import, in its publishing transaction.
    func writeHeld() throws {
        try flush()
        for item in held { try insert(annotated: item) }
        held.removeAll()
    }

    private func statement(rows: Int) throws -> Statement {
        if let statement = inserts[rows] { return statement }
        let statement = try db.makeStatement(sql: """
            INSERT OR IGNORE INTO items (project_id, external_id, input, input_hash, suggestions, import_id, created_at)
            VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
            """)
        inserts[rows] = statement
        return statement
    }

    private func insert(annotated item: ImportedItem) throws {
        try statement(rows: 1).run(projectID, item.externalID, item.input, item.dedupHash, item.suggestions, importID, now)
        let inserted = db.changesCount > 0
        if inserted { imported += 1 } else { duplicates += 1 }
        let itemID = inserted ? db.lastInsertedRowID : try Int64.fetchOne(findItem, arguments: [projectID, Data(item.dedupHash.bytes)])!
        if let kind = goldFor, let answer = Self.gold(of: item, kind: kind) {
            try db.execute(sql: """
                INSERT INTO gold (item_id, resolution, source, decided_by, decided_at) VALUES (?, ?, 'imported', ?, ?)
                ON CONFLICT (item_id) DO UPDATE SET resolution = excluded.resolution, source = excluded.source,
                    decided_by = excluded.decided_by, decided_at = excluded.decided_at
                """, arguments: [itemID, answer.json.jsonText, userID, now])
            golds += 1
        }
        for annotation in item.annotations {
            let userID = try user(annotation)
            let stored = Self.stored(annotation)
            try db.execute(sql: """
                INSERT INTO annotations (item_id, annotator_id, status, labels, spans, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id, annotator_id) DO NOTHING
                """, arguments: [itemID, userID, stored.status.rawValue, stored.labels, stored.spans, annotation.createdAt ?? now, now])
            guard db.changesCount > 0 else { continue }
            let annotationID = db.lastInsertedRowID
            try AppDatabase.countAnswer(db, itemID: itemID, projectID: projectID, annotatorID: userID, from: nil, to: stored.status)
            try db.execute(sql: "INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at) VALUES (?, ?, 'import', NULL, ?, ?)",
                           arguments: [annotationID, userID, stored.event, now])
            annotations += 1
        }
    }

    /// An imported answer as stored: its status, labels and spans as the answer's columns hold them, and its history
    /// event's `after` (SQLite's and PostgreSQL's imports alike).
    static func stored(_ annotation: ImportedAnnotation) -> (status: AnnotationStatus, labels: String?, spans: String?, event: String) {
        let labels: JSONValue = annotation.labels.isEmpty ? .null : .array(annotation.labels.map { .string($0) })
        let status: AnnotationStatus = annotation.skipped ? .skipped : .submitted
        let event: JSONValue = ["status": .string(status.rawValue), "labels": labels, "spans": .array(annotation.spans.map(\.json)), "source": "import"]
        return (status, annotation.labels.isEmpty ? nil : labels.jsonText,
                annotation.spans.isEmpty ? nil : JSONValue.array(annotation.spans.map(\.json)).jsonText, event.jsonText)
    }

    /// The answer a record brings as gold: its labels, its spans, or its conversation (whose final assistant turn
    /// is the answer); nil when it brings none.
    static func gold(of item: ImportedItem, kind: ProjectKind) -> Answer? {
        switch kind {
        case .classify: return item.suggestedLabels.isEmpty ? nil : .labels(item.suggestedLabels)
        case .spans: return .spans(item.suggestedSpans)
        case .chat:
            guard let messages = (try? JSONParser.parse(item.input))?["messages"]?.arrayValue,
                  messages.last?["role"]?.stringValue == "assistant" else { return nil }
            return .conversation(messages)
        case .compare, .rate, .watch: return nil
        }
    }

    /// The annotator's account: the user the import maps the file's name to, else an account named for the source,
    /// created disabled (no password) when new. An existing account of that name is taken only if an earlier import
    /// made it (disabled, no password); a real account of that name gets a numbered one beside it instead.
    private func user(_ annotation: ImportedAnnotation) throws -> Int64 {
        let key = Self.accountKey(annotation)
        if let id = users[key] { return id }
        let id: Int64
        if let mapped = Self.mappedName(annotation, annotatorMap) {
            guard let existing = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE username = ?", arguments: [mapped]) else {
                throw Self.unknownUser(annotation, mapped)
            }
            id = existing
        } else {
            var candidates = Self.accountNames(annotation).makeIterator()
            while true {
                let name = candidates.next()!
                let row = try Row.fetchOne(db, sql: "SELECT id, password_hash IS NULL AND disabled AS imported FROM users WHERE username = ?", arguments: [name])
                guard let row else {
                    id = try AppDatabase.insertUser(db, username: name, displayName: annotation.displayName,
                                                    role: .annotator, passwordHash: nil, disabled: true).id
                    break
                }
                if row["imported"] as Bool {
                    id = row["id"]
                    break
                }
            }
        }
        try db.execute(sql: "INSERT OR IGNORE INTO project_members (project_id, user_id) VALUES (?, ?)", arguments: [projectID, id])
        users[key] = id
        return id
    }

    /// Which answers share an account within one import: those of one source name, else of one username.
    static func accountKey(_ annotation: ImportedAnnotation) -> String {
        annotation.sourceName.isEmpty ? annotation.username : "=" + annotation.sourceName
    }

    /// The Quorum user the import maps the annotator's source name to, if it does.
    static func mappedName(_ annotation: ImportedAnnotation, _ map: [String: String]) -> String? {
        annotation.sourceName.isEmpty ? nil : map[annotation.sourceName]
    }

    static func unknownUser(_ annotation: ImportedAnnotation, _ mapped: String) -> StoreError {
        StoreError(.invalid, "the annotator map sends \(annotation.sourceName) to \(mapped), who is not a user: add them first (quorum user add)")
    }

    /// The names an imported annotator's account may take, in order: theirs, then numbered ones beside it.
    static func accountNames(_ annotation: ImportedAnnotation) -> LazyMapSequence<PartialRangeFrom<Int>, String> {
        (1...).lazy.map { $0 == 1 ? annotation.username : "\(annotation.username)-\($0)" }
    }
}
