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

    /// Runs `body` on the store an export reads and records in: the SQLite file, or PostgreSQL (`export` and
    /// `holdout` run on either; the connection is closed after).
    func withExportStore<T>(_ body: (any ExportStore) throws -> T) async throws -> T {
        guard case .postgres(let address) = try address() else { return try body(try open()) }
        return try await PostgresStore.using(address) { try body($0) }
    }

    /// The SQLite file the command works on (the commands other than `serve`, `migrate`, `import`, `export` and
    /// `holdout` run on SQLite so far).
    var path: String {
        get throws {
            switch try address() {
            case .sqlite(let path): return path
            case .postgres(let address):
                throw CLIError("\(address): this command runs on SQLite only so far (quorum serve, import, export and holdout run on "
                               + "PostgreSQL too; users and projects are made in the browser there); PostgreSQL takes a copy of a SQLite "
                               + "database (quorum migrate --from quorum.db --to \(address)) and gives it back")
            }
        }
    }

    func open() throws -> AppDatabase {
        let path = try path
        do {
            return try AppDatabase(path: path)
        } catch {
            throw CLIError("cannot open the database \(path): \(error)")
        }
    }
}
