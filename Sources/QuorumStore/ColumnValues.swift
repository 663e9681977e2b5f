import GRDB
import GRDBSQLite

/// A row read by column position: SQLite's (`ColumnValues`) or PostgreSQL's (`PostgresColumns`), so that one decoder
/// of a stored row serves both stores.
protocol StoredColumns {
    func int64(_ column: Int32) -> Int64
    func int(_ column: Int32) -> Int
    func double(_ column: Int32) -> Double
    func bool(_ column: Int32) -> Bool
    func isNull(_ column: Int32) -> Bool
    func string(_ column: Int32) -> String?
}

/// The current row of a statement, read by column position straight from SQLite. The annotating routes run
/// their few queries thousands of times a second, and a GRDB `Row` lowercases and indexes every column name
/// each time it is made: that cost more than the queries.
struct ColumnValues: StoredColumns {
    let statement: SQLiteStatement

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(statement, column) != 0 }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }
}

/// The columns of `row` from `first` on, numbered from 0: a statement that reads two things in one row (an item and
/// its answer) hands each decoder its part.
struct ColumnsFrom<Row: StoredColumns>: StoredColumns {
    let row: Row
    let first: Int32

    func int64(_ column: Int32) -> Int64 { row.int64(first + column) }
    func int(_ column: Int32) -> Int { row.int(first + column) }
    func double(_ column: Int32) -> Double { row.double(first + column) }
    func bool(_ column: Int32) -> Bool { row.bool(first + column) }
    func isNull(_ column: Int32) -> Bool { row.isNull(first + column) }
    func string(_ column: Int32) -> String? { row.string(first + column) }
}

extension StoredColumns {
    func from(_ first: Int32) -> ColumnsFrom<Self> { ColumnsFrom(row: self, first: first) }
}
