import Foundation
import GRDB
import QuorumTestSupport
import Testing
@testable import QuorumStore

@Suite struct StoredTableTests {
    /// `quorum migrate` copies the columns `StoredTable.all` names: it must name every column of every table the
    /// SQLite schema has (but the work under way, `StoredTable.notCopied`), with the kind its declared type holds,
    /// each table after the tables it refers to.
    @Test func namesEveryTableAndColumnOfTheSchema() throws {
        let folder = try TemporaryDirectory()
        let database = try AppDatabase(path: folder.path("q.db"))
        let kinds: [String: StoredTable.Kind] = ["INTEGER": .integer, "REAL": .real, "TEXT": .text, "BLOB": .blob]
        let (schema, references) = try database.writer.read { db -> ([String: [String]], [String: [String]]) in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")
            var schema: [String: [String]] = [:], references: [String: [String]] = [:]
            for table in tables where !StoredTable.notCopied.contains(table) {
                schema[table] = try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(table)\")").map { "\($0["name"] as String):\(kinds[$0["type"] as String].map { "\($0)" } ?? "?")" }
                references[table] = try String.fetchAll(db, sql: "SELECT \"table\" FROM pragma_foreign_key_list(?)", arguments: [table])
            }
            return (schema, references)
        }
        let listed = Dictionary(uniqueKeysWithValues: StoredTable.all.map { ($0.name, $0.columns.map { "\($0.name):\($0.kind)" }) })
        #expect(listed == schema)
        for (position, table) in StoredTable.all.enumerated() {
            for parent in references[table.name] ?? [] where parent != table.name {
                #expect(StoredTable.all.firstIndex { $0.name == parent }! < position, "\(table.name) comes before \(parent), which it refers to")
            }
        }
    }
}
