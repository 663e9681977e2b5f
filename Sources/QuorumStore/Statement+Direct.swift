import GRDB
import GRDBSQLite

/// Statements run straight through SQLite, for the few the annotating routes run thousands of times a second:
/// GRDB's per-call work (argument boxing, row name tables, execution hooks) cost more than SQLite's own.
/// Only inside a transaction GRDB opened, and no transaction statements (a savepoint only if released at once).
extension Statement {
    /// Runs a write.
    func run(_ values: any DirectValue...) throws { try run(values: values) }

    /// Runs a write with values gathered at run time (rows of a multi-row insert).
    func run(values: [any DirectValue]) throws {
        try bind(values)
        defer { sqlite3_reset(sqliteStatement) }
        while try step() {}
    }

    /// The rows selected, each given to `body` (which must not keep the `ColumnValues`).
    func forEachRow(_ values: any DirectValue..., body: (ColumnValues) throws -> Void) throws {
        try forEachRow(values: values, body: body)
    }

    /// The rows selected with values gathered at run time, each given to `body`.
    func forEachRow(values: [any DirectValue], body: (ColumnValues) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(sqliteStatement) }
        while try step() { try body(ColumnValues(statement: sqliteStatement)) }
    }

    /// The first row selected, as `read` makes it, or nil.
    func firstRow<T>(_ values: any DirectValue..., read: (ColumnValues) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(sqliteStatement) }
        return try step() ? read(ColumnValues(statement: sqliteStatement)) : nil
    }

    /// The rows selected, one `next()` at a time: for walking two statements side by side. The statement is
    /// reset when the `DirectRows` goes.
    func rows(_ values: any DirectValue...) throws -> DirectRows {
        try bind(values)
        return DirectRows(statement: self)
    }

    /// One step: true while there is a row.
    func step() throws -> Bool {
        switch sqlite3_step(sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw error(code)
        }
    }

    private func bind(_ values: [any DirectValue]) throws {
        sqlite3_reset(sqliteStatement)
        sqlite3_clear_bindings(sqliteStatement)
        guard values.count == Int(sqlite3_bind_parameter_count(sqliteStatement)) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(values.count) values for \(sqlite3_bind_parameter_count(sqliteStatement)) parameters", sql: sql)
        }
        for (index, value) in values.enumerated() {
            let code = value.bind(to: sqliteStatement, at: Int32(index + 1))
            guard code == SQLITE_OK else { throw error(code) }
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))), sql: sql)
    }
}
