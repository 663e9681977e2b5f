import PostgresNIO

/// A PostgreSQL row read by column position, with SQLite's representation (0/1 flags, text times) as stored.
/// A value of another type than asked reads as SQLite would give it: zero, or nil.
struct PostgresColumns: StoredColumns {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = PostgresRandomAccessRow(row)
    }

    func int64(_ column: Int32) -> Int64 { (try? row[Int(column)].decode(Int64?.self)) ?? 0 }
    func int(_ column: Int32) -> Int { Int(int64(column)) }
    func double(_ column: Int32) -> Double { (try? row[Int(column)].decode(Double?.self)) ?? 0 }
    /// A 0/1 flag as stored, or PostgreSQL's own boolean (what `EXISTS` gives).
    func bool(_ column: Int32) -> Bool {
        let cell = row[Int(column)]
        return cell.dataType == .bool ? (try? cell.decode(Bool.self)) ?? false : int64(column) != 0
    }
    func isNull(_ column: Int32) -> Bool { row[Int(column)].bytes == nil }
    func string(_ column: Int32) -> String? { try? row[Int(column)].decode(String?.self) }
}
