import Foundation
import GRDB

extension DatabaseCopy.Value {
    /// `row` names the row in an error (its key).
    init(_ value: DatabaseValue, table: StoredTable, column: Int, row: @autoclosure () -> String) throws {
        switch value.storage {
        case .null: self = .null
        case .int64(let n): self = .integer(n)
        case .double(let x): self = .real(x)
        case .string(let s): self = .text(s)
        case .blob(let data): self = .blob([UInt8](data))
        }
        // SQLite keeps whatever type it is given; PostgreSQL's columns take one. A value of another type is named,
        // not converted behind the user's back.
        switch (self, table.columns[column].kind) {
        case (.null, _), (.integer, .integer), (.real, .real), (.integer, .real), (.text, .text), (.blob, .blob): break
        default:
            throw StoreError(.invalid, "\(table.name) \(row()): \(table.columns[column].name) holds \(value) where \(table.columns[column].kind) values belong: "
                             + "correct that row in the SQLite file, then migrate again")
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let n): return n.databaseValue
        case .real(let x): return x.databaseValue
        case .text(let s): return s.databaseValue
        case .blob(let bytes): return Data(bytes).databaseValue
        }
    }
}

/// Reads a SQLite file through one snapshot, so every table is read as of one moment.
final class SQLiteRows: RowReader, @unchecked Sendable {
    private let database: AppDatabase
    private let snapshot: DatabaseSnapshot

    init(path: String) throws {
        database = try AppDatabase(path: path)
        snapshot = try database.writer.makeSnapshot()
    }

    func count(_ table: StoredTable) async throws -> Int {
        try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table.name)\"") ?? 0 }
    }

    func rows(of table: StoredTable, after: [DatabaseCopy.Value]?) async throws -> [[DatabaseCopy.Value]] {
        try await snapshot.read { db in
            let sql = DatabaseCopy.page(table, after: after != nil) { _ in "?" }
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments((after ?? []).map(\.databaseValue)))
            var values: [[DatabaseCopy.Value]] = []
            while let row = try rows.next() {
                let key = table.key.map { "\($0) \(row[$0] as DatabaseValue)" }.joined(separator: ", ")
                values.append(try (0..<table.columns.count).map { try DatabaseCopy.Value(row[$0] as DatabaseValue, table: table, column: $0, row: key) })
            }
            return values
        }
    }

    func close() async {}
}

/// Writes into a new SQLite file, made with Quorum's schema; deletes it if the copy does not finish.
final class SQLiteRowWriter: RowWriter, @unchecked Sendable {
    private let path: String
    private var database: AppDatabase?

    init(path: String) throws {
        self.path = path
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.conflict, "\(path) exists: migrate into a new file (Quorum never writes over a database)")
        }
        database = try AppDatabase(path: path)
    }

    func write(_ rows: [[DatabaseCopy.Value]], into table: StoredTable) async throws {
        let columns = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        let sql = "INSERT INTO \"\(table.name)\" (\(columns)) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))"
        try await database!.writer.write { db in
            let statement = try db.cachedStatement(sql: sql)
            for row in rows { try statement.execute(arguments: StatementArguments(row.map(\.databaseValue))) }
        }
    }

    func count(_ table: StoredTable) async throws -> Int {
        try await database!.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table.name)\"") ?? 0 }
    }

    func finish() async throws {
        let problems = try await database!.writer.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count }
        guard problems == 0 else { throw StoreError(.conflict, "\(problems) rows refer to rows the copy does not hold") }
        _ = try await database!.writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    func abandon() async {
        database = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
