import ArgumentParser
import Foundation
import QuorumStore

/// `--database URL` and `--db PATH`, which every command takes.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database"),
            help: "The database: postgres://USER:PASSWORD@HOST:PORT/NAME for PostgreSQL, or a SQLite file's path (also QUORUM_DATABASE_URL).")
    var url: String?

    @Option(name: .long, help: "The SQLite database file (created on first use; default ./quorum.db).")
    var db: String?

    /// `--database`, else `--db`, else QUORUM_DATABASE_URL, else ./quorum.db.
    func address() throws -> DatabaseAddress {
        let environment = ProcessInfo.processInfo.environment["QUORUM_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            return try DatabaseAddress(parsing: url ?? db ?? environment ?? "./quorum.db")
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Runs `body` on the store an export reads and records in: the SQLite file, or PostgreSQL (one connection, whose
    /// cursors the export reads through; closed after).
    func withExportStore<T>(_ body: (any ExportStore) throws -> T) async throws -> T {
        switch try address() {
        case .sqlite(let path): return try body(try Self.open(path))
        case .postgres(let address): return try await PostgresStore.using(address) { try body($0) }
        }
    }

    /// Runs `body` on the store the address names: the SQLite file, or PostgreSQL (a few connections, closed after).
    func withStore<T>(_ body: (any Store) async throws -> T) async throws -> T {
        switch try address() {
        case .sqlite(let path): return try await body(try Self.open(path))
        case .postgres(let address): return try await PostgresServerStore.using(address, connections: 4, body)
        }
    }

    /// The SQLite file at `path`, opened (and made, on first use).
    static func open(_ path: String) throws -> AppDatabase {
        do {
            return try AppDatabase(path: path)
        } catch {
            throw CLIError("cannot open the database \(path): \(error)")
        }
    }
}
