import ArgumentParser
import Foundation
import QuorumStore

/// `--db PATH`, which every command takes.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file (created on first use).")
    var db: String = "./quorum.db"

    func open() throws -> AppDatabase {
        do {
            return try AppDatabase(path: db)
        } catch {
            throw CLIError("cannot open the database \(db): \(error)")
        }
    }
}
