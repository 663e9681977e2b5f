import GRDB
import GRDBSQLite

/// A statement's rows read one at a time (see `Statement.rows`); the values of a row last until the next call.
final class DirectRows {
    private let statement: Statement

    init(statement: Statement) {
        self.statement = statement
    }

    func next() throws -> ColumnValues? {
        try statement.step() ? ColumnValues(statement: statement.sqliteStatement) : nil
    }

    deinit {
        sqlite3_reset(statement.sqliteStatement)
    }
}
