import Logging
import NIOCore
import PostgresNIO
import QuorumCore

extension PostgresStore {
    /// Bytes as lower-case hex, as PostgreSQL's `encode(…, 'hex')` writes them.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Reads `source` into `project` in one transaction, as `AppDatabase.importItems` does on SQLite: the same
    /// checks, the same duplicates left out, the same ids in the same order. Each batch's hashes are looked up at
    /// once, and the records that are not duplicates go into `items` by COPY, in line order. A record bringing answers
    /// or gold (`--as-gold`) is written on its own (`PostgresAnswerWriter`), in its place in that order.
    public func importItems(into project: Project, from source: ByteSource, options: ImportOptions, userID: Int64? = nil,
                            progress: ((ImportProgress) -> Void)? = nil,
                            rejected: ((ImportRecord, [ImportIssue]) throws -> Void)? = nil) async throws -> ImportSummary {
        let run = ImportRun(project: project, options: options, userID: userID, total: source.totalBytes, progress: progress, rejected: rejected)
        try run.refuseJudging()
        let reading = ImportReading(source: source, options: options)
        defer { reading.cancel() }
        try await query("BEGIN")
        // The batch before goes in by COPY while this one is read, checked and written out: the server works while
        // this side does (waiting in turn left each side idle half the time).
        var copying: Task<Void, Error>?
        do {
            // The project's row locked for the import, as SQLite's one writer would.
            guard let row = try await query("SELECT staging_import FROM projects WHERE id = \(project.id) FOR UPDATE").first else {
                throw StoreError(.notFound, "project \(project.slug) no longer exists")
            }
            if let other = try row.decode(Int64?.self) { throw run.busy(with: other) }
            let now = AppDatabase.timestamp()
            let importID = try await query("""
                INSERT INTO imports (project_id, file_name, format, sha256, imported, duplicates, rejected, user_id, created_at)
                VALUES (\(project.id), \(options.fileName), \(options.format.rawValue), '', 0, 0, 0, \(userID), \(now)) RETURNING id
                """).first!.decode(Int64.self)
            let answers = PostgresAnswerWriter(store: self, project: project, importID: importID, now: now, options: options, userID: userID)
            var imported = 0, duplicates = 0
            // Records that bring only their items: duplicates of an earlier line found here, those of stored items by
            // one lookup of their hashes; what is left goes straight into `items` by COPY, in line order, so ids follow
            // SQLite's. The COPY goes on while the caller reads on.
            func copy(_ items: ArraySlice<ImportedItem>) async throws {
                guard !items.isEmpty else { return }
                var seen = Set<DedupHash>(minimumCapacity: items.count)
                var fresh = items.filter { seen.insert($0.dedupHash).inserted }.map { (item: $0, hash: $0.dedupHash.withBytes(Self.hex)) }
                try await copying?.value
                let stored = Set(try await query("""
                    SELECT encode(input_hash, 'hex') FROM items
                    WHERE project_id = \(project.id) AND input_hash = ANY(SELECT decode(h, 'hex') FROM unnest(\(fresh.map(\.hash))::text[]) AS h)
                    """).map { try $0.decode(String.self) })
                if !stored.isEmpty { fresh.removeAll { stored.contains($0.hash) } }
                duplicates += items.count - fresh.count
                imported += fresh.count
                guard !fresh.isEmpty else { return }
                var buffer = ByteBuffer()
                let fixed = "\t\(project.id)\t\(importID)\t\(now)\n"
                for (item, hash) in fresh {
                    // The hash as bytea's text form (`\x…`, its backslash escaped by the text's rules).
                    for (i, value) in [item.externalID.map { .text($0) } ?? .null, .text(item.input), .text("\\x" + hash),
                                       item.suggestions.map { .text($0) } ?? DatabaseCopy.Value.null].enumerated() {
                        if i > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                        try PostgresRowWriter.writeCopyText(value, to: &buffer, column: "the item's text",
                                                            fix: "a file's text cannot hold one on PostgreSQL; remove it from the file")
                    }
                    buffer.writeString(fixed)
                }
                copying = Task { [buffer] in
                    try await copyFrom(table: "items", columns: ["external_id", "input", "input_hash", "suggestions", "project_id", "import_id", "created_at"],
                                       buffer)
                }
            }
            while let batch = try reading.next() {
                let items = try run.accepted(batch.records[...])
                var plain = items.startIndex
                for (index, item) in zip(items.indices, items) where answers.takes(item) {
                    try await copy(items[plain..<index])
                    try await copying?.value
                    try await answers.insert(item)
                    plain = index + 1
                }
                try await copy(items[plain...])
                run.report(bytesRead: batch.bytesRead)
            }
            try await copying?.value
            guard run.conclude(reading.outcome) else {
                try await query("ROLLBACK")
                return run.summary
            }
            run.written(imported: imported + answers.imported, duplicates: duplicates + answers.duplicates,
                        annotations: answers.annotations, golds: answers.golds)
            let summary = run.summary
            if !summary.addedLabels.isEmpty {
                try await query("UPDATE projects SET labels = \(AppDatabase.labelsJSON(run.labels)) WHERE id = \(project.id)")
            }
            try await query("UPDATE projects SET item_count = item_count + \(summary.imported) WHERE id = \(project.id)")
            try await query("""
                UPDATE imports SET format = \(summary.format.rawValue), sha256 = \(summary.sha256), imported = \(summary.imported),
                    duplicates = \(summary.duplicates), rejected = \(summary.rejected) WHERE id = \(importID)
                """)
            try await query("COMMIT")
            return summary
        } catch {
            _ = try? await copying?.value
            _ = try? await query("ROLLBACK")
            throw error
        }
    }
}
