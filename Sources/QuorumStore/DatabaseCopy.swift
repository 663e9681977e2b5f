import Foundation

/// `quorum migrate`: copies every table from one database to another (SQLite or PostgreSQL, either way), in
/// batches ordered by each table's key, then checks each table's row count on both sides. The source is read in
/// one transaction (a snapshot); a PostgreSQL target is written in one transaction, so a failed copy leaves
/// nothing; a SQLite target must be a new file, and is deleted if the copy fails.
public enum DatabaseCopy {
    public struct TableCount: Sendable, Equatable {
        public var table: String
        public var rows: Int
    }

    /// A stored value, as both databases hold it.
    enum Value: Sendable, Equatable {
        case null, integer(Int64), real(Double), text(String), blob([UInt8])
    }

    static let batchSize = 5_000

    /// Copies everything from `source` to `target`; `progress(table, copied, total)` is told as rows go.
    public static func run(from source: DatabaseAddress, to target: DatabaseAddress,
                           progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }) async throws -> [TableCount] {
        guard source != target else { throw StoreError(.invalid, "--from and --to name the same database") }
        let reader: any RowReader
        switch source {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError(.notFound, "no SQLite database at \(path)") }
            reader = try SQLiteRows(path: path)
        case .postgres(let address):
            reader = try await PostgresRows(address: address)
        }
        let writer: any RowWriter
        do {
            switch target {
            case .sqlite(let path): writer = try SQLiteRowWriter(path: path)
            case .postgres(let address): writer = try await PostgresRowWriter(address: address)
            }
        } catch {
            await reader.close()
            throw error
        }
        do {
            let counts = try await copy(reader, into: writer, progress: progress)
            try await writer.finish()
            await reader.close()
            return counts
        } catch {
            await writer.abandon()
            await reader.close()
            throw error
        }
    }

    private static func copy(_ reader: any RowReader, into writer: any RowWriter,
                             progress: @escaping @Sendable (String, Int, Int) -> Void) async throws -> [TableCount] {
        var counts: [TableCount] = []
        // The source is read as of one moment, so these counts hold for the whole copy.
        let totals = try await StoredTable.all.asyncMap { try await reader.count($0) }
        let total = totals.reduce(0, +)
        var copied = 0
        for (table, read) in zip(StoredTable.all, totals) {
            var after: [Value]? = nil
            while true {
                let rows = try await reader.rows(of: table, after: after)
                guard let last = rows.last else { break }
                try await writer.write(rows, into: table)
                copied += rows.count
                progress(table.name, copied, total)
                after = table.key.map { key in last[table.columns.firstIndex { $0.name == key }!] }
            }
            let written = try await writer.count(table)
            guard read == written else {
                throw StoreError(.conflict, "\(table.name): \(read) rows in the source but \(written) in the target after the copy: nothing was kept")
            }
            counts.append(TableCount(table: table.name, rows: written))
        }
        return counts
    }

    /// The keyset condition and order that page through a table: `(k1, k2) > (?, ?) ORDER BY k1, k2` (both
    /// databases compare row values so).
    /// `source`: where the table's rows are read, when not from the table itself.
    static func page(_ table: StoredTable, from source: String? = nil, after: Bool, placeholder: (Int) -> String) -> String {
        let columns = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        let key = table.key.map { "\"\($0)\"" }.joined(separator: ", ")
        let condition = after ? " WHERE (\(key)) > (\(table.key.indices.map(placeholder).joined(separator: ", ")))" : ""
        return "SELECT \(columns) FROM \"\(source ?? table.name)\"\(condition) ORDER BY \(key) LIMIT \(batchSize)"
    }
}

protocol RowReader: Sendable {
    func count(_ table: StoredTable) async throws -> Int
    /// The next batch (`batchSize` rows at most) after the row whose key is `after`, in key order.
    func rows(of table: StoredTable, after: [DatabaseCopy.Value]?) async throws -> [[DatabaseCopy.Value]]
    func close() async
}

protocol RowWriter: Sendable {
    func write(_ rows: [[DatabaseCopy.Value]], into table: StoredTable) async throws
    func count(_ table: StoredTable) async throws -> Int
    func finish() async throws
    func abandon() async
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
