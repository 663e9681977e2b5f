import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy every table from one database to another: SQLite to PostgreSQL, or back.",
        discussion: """
            Copies users, projects, items, answers and their history, gold, exports, runs, models, tokens and \
            sessions, keeping every id, then checks each table's row count on both sides. The target must be empty: a \
            PostgreSQL database (made with createdb; Quorum makes its tables) or a SQLite file that does not exist yet. \
            A PostgreSQL target is written in one transaction, and a SQLite target deleted, if anything fails: nothing \
            half-copied is left. Stop the servers on the source first; the source is read as of one moment. \
            Prints each table's rows, or {"tables": {...}, "rows": N} with --json.
            """)
    @Option(help: "The database to copy: a SQLite file's path or a postgres:// URL.") var from: String
    @Option(help: "The empty database to copy into: a new SQLite file's path or a postgres:// URL.") var to: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let source: DatabaseAddress, target: DatabaseAddress
            do {
                (source, target) = (try DatabaseAddress(parsing: from), try DatabaseAddress(parsing: to))
            } catch {
                throw CLIError("\(error)")
            }
            let bar = ProgressBar(unit: "rows", enabled: Terminal.stderrIsTerminal && !json)
            let counts = try await DatabaseCopy.run(from: source, to: target) { _, copied, total in
                bar.update(done: copied, total: total, count: copied)
            }
            bar.finish()
            let rows = counts.reduce(0) { $0 + $1.rows }
            if json {
                let tables = JSONValue.object(counts.map { (key: $0.table, value: .int($0.rows)) })
                print((["tables": tables, "rows": .int(rows)] as JSONValue).jsonText)
            } else {
                print(Table.render(header: ["table", "rows"], rows: counts.filter { $0.rows > 0 }.map { [$0.table, String($0.rows)] }, rightAligned: [1]))
                print("Copied \(counted(rows, "row")) from \(source) to \(target); every table's count checked.")
            }
        }
    }
}
