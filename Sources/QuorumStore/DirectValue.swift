import GRDB
import GRDBSQLite
import QuorumCore

/// A value bound straight into a SQLite statement (`Statement.run`, `firstRow`, `forEachRow`): GRDB's
/// `StatementArguments` box and convert every value, which the annotating routes felt on every request.
protocol DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32
}

/// SQLite copies the text before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension Int64: DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, self) }
}

extension Int: DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Double: DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 { sqlite3_bind_double(statement, index, self) }
}

extension String: DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        var text = self
        return text.withUTF8 { bytes in
            // An empty buffer may have no address, and a null pointer would bind NULL rather than "".
            guard let start = bytes.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, transient) }
            return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(statement, index, $0, Int32(bytes.count), transient) }
        }
    }
}

extension DedupHash: DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        withBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
    }
}

/// Text or a blob bound without a copy: the caller keeps the bytes alive and unchanged until the statement has
/// run. For the import's multi-row inserts, where SQLite's own copy of each value cost a malloc and a free.
struct BorrowedBytes: DirectValue {
    let bytes: UnsafeRawBufferPointer
    let isText: Bool

    /// `range` of `buffer`, which must have an address (a non-empty buffer).
    init(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, isText: Bool) {
        bytes = UnsafeRawBufferPointer(rebasing: buffer[range])
        self.isText = isText
    }

    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        // A nil destructor is SQLITE_STATIC: SQLite reads the bytes where they are.
        isText ? sqlite3_bind_text(statement, index, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
               : sqlite3_bind_blob(statement, index, bytes.baseAddress!, Int32(bytes.count), nil)
    }
}

extension Optional: DirectValue where Wrapped: DirectValue {
    func bind(to statement: SQLiteStatement, at index: Int32) -> Int32 {
        switch self {
        case .some(let value): value.bind(to: statement, at: index)
        case .none: sqlite3_bind_null(statement, index)
        }
    }
}
