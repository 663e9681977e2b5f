import Logging
import NIOCore
import PostgresNIO

/// Reads a PostgreSQL database in one repeatable-read transaction.
final class PostgresRows: RowReader, @unchecked Sendable {
    private let connection: PostgresConnection
    private let logger = Logger(label: "quorum.migrate")

    init(address: PostgresAddress) async throws {
        connection = try await PostgresConnector.connect(address) { connection, logger in
            try await PostgresSchema.check(connection, logger: logger)
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        }
    }

    func count(_ table: StoredTable) async throws -> Int {
        try await PostgresConnector.count(table, on: connection, logger: logger)
    }

    func rows(of table: StoredTable, after: [DatabaseCopy.Value]?) async throws -> [[DatabaseCopy.Value]] {
        var bindings = PostgresBindings()
        for value in after ?? [] {
            switch value {
            case .integer(let n): bindings.append(n)
            case .text(let s): bindings.append(s)
            default: throw StoreError(.invalid, "\(table.name): a key of another kind than integer or text")
            }
        }
        // A project's counts are its row's and its count shards' (`PostgresSchema.v5`), summed in `projects_counted`.
        let sql = DatabaseCopy.page(table, from: table.name == "projects" ? "projects_counted" : nil, after: after != nil) { "$\($0 + 1)" }
        var values: [[DatabaseCopy.Value]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            var out: [DatabaseCopy.Value] = []
            out.reserveCapacity(table.columns.count)
            for (cell, column) in zip(row, table.columns) {
                switch column.kind {
                case .integer: out.append(try cell.decode(Int64?.self).map { .integer($0) } ?? .null)
                case .real: out.append(try cell.decode(Double?.self).map { .real($0) } ?? .null)
                case .text: out.append(try cell.decode(String?.self).map { .text($0) } ?? .null)
                case .blob: out.append(try cell.decode(ByteBuffer?.self).map { .blob(Array($0.readableBytesView)) } ?? .null)
                }
            }
            values.append(out)
        }
        return values
    }

    func close() async {
        _ = try? await connection.query("COMMIT", logger: logger)
        try? await connection.close()
    }
}

/// Writes into an empty PostgreSQL database (made with Quorum's schema first) in one transaction, with COPY.
final class PostgresRowWriter: RowWriter, @unchecked Sendable {
    private let connection: PostgresConnection
    private let logger = Logger(label: "quorum.migrate")

    init(address: PostgresAddress) async throws {
        connection = try await PostgresConnector.connect(address) { connection, logger in
            try await PostgresSchema.migrate(connection, logger: logger)
            var held: [String] = []
            for table in StoredTable.all {
                let rows = try await PostgresConnector.count(table, on: connection, logger: logger)
                if rows > 0 { held.append("\(rows) \(table.name)") }
            }
            guard held.isEmpty else {
                throw StoreError(.conflict, "\(address) already holds Quorum's data (\(held.prefix(3).joined(separator: ", "))): "
                                 + "migrate into an empty database (createdb NAME), never over one")
            }
            try await connection.query("BEGIN", logger: logger)
        }
    }

    func write(_ rows: [[DatabaseCopy.Value]], into table: StoredTable) async throws {
        var buffer = ByteBuffer()
        for row in rows {
            for (i, value) in row.enumerated() {
                if i > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                try Self.writeCopyText(value, to: &buffer, column: "\(table.name).\(table.columns[i].name)", fix: "remove it in the SQLite file, then migrate again")
            }
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await connection.copyFrom(table: table.name, columns: table.columns.map(\.name), logger: logger) { writer in
            try await writer.write(buffer)
        }
    }

    /// A value in COPY's text format: `\N` for null, backslash escapes for the bytes that separate, bytea as hex.
    /// `column` and `fix` name where a value PostgreSQL cannot hold was met, and what to do.
    static func writeCopyText(_ value: DatabaseCopy.Value, to buffer: inout ByteBuffer, column: String, fix: String) throws {
        switch value {
        case .null: buffer.writeString("\\N")
        case .integer(let n): buffer.writeString(String(n))
        case .real(let x):
            // Swift prints the shortest text that reads back as the same double; PostgreSQL reads it exactly.
            buffer.writeString(x.isNaN ? "NaN" : x.isInfinite ? (x < 0 ? "-Infinity" : "Infinity") : "\(x)")
        case .text(var s):
            // Runs of ordinary bytes written at once: a call per byte was most of an import's own work.
            try s.withUTF8 { bytes in
                var start = 0
                for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\\") {
                    let escape: StaticString
                    switch byte {
                    case 0: throw StoreError(.invalid, "\(column) holds a NUL character, which PostgreSQL's text cannot: \(fix)")
                    case UInt8(ascii: "\\"): escape = "\\\\"
                    case UInt8(ascii: "\n"): escape = "\\n"
                    case UInt8(ascii: "\r"): escape = "\\r"
                    case UInt8(ascii: "\t"): escape = "\\t"
                    default: continue
                    }
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<i]))
                    buffer.writeStaticString(escape)
                    start = i + 1
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
            }
        case .blob(let bytes):
            buffer.writeString("\\\\x")
            let hex = Array("0123456789abcdef".utf8)
            for byte in bytes {
                buffer.writeInteger(hex[Int(byte >> 4)])
                buffer.writeInteger(hex[Int(byte & 0xF)])
            }
        }
    }

    func count(_ table: StoredTable) async throws -> Int {
        try await PostgresConnector.count(table, on: connection, logger: logger)
    }

    func finish() async throws {
        // Ids copied as they were: each identity goes on after the largest, as SQLite's rowids would.
        for table in StoredTable.all where table.hasIdentity {
            try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM "\(table.name)"
                """), logger: logger)
        }
        try await connection.query("COMMIT", logger: logger)
        try await connection.close()
    }

    func abandon() async {
        _ = try? await connection.query("ROLLBACK", logger: logger)
        try? await connection.close()
    }
}
