import Foundation
import QuorumCore
import QuorumTestSupport
import Testing

/// `quorum import --database postgres://…`: the same items, ids, hashes and summary as the same import into SQLite;
/// nothing kept when a record is bad or the file brings answers.
@Suite struct PostgresImportTests {
    /// Every item as stored, one line each, in id order: from SQLite through Python, from PostgreSQL through psql.
    static func items(sqlite path: String) throws -> String {
        try Shell.run("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            for row in sqlite3.connect(sys.argv[1]).execute("SELECT id, external_id, input, lower(hex(input_hash)), suggestions, import_id FROM items ORDER BY id"):
                print("|".join("" if v is None else str(v) for v in row))
            """, path])
    }

    static func items(postgres url: String) throws -> String {
        try TestPostgres.psql(url, "SELECT id, external_id, input, encode(input_hash, 'hex'), suggestions, import_id FROM items ORDER BY id")
    }

    @Test func importsTheSameItemsAsSQLite() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "Chats", "--kind", "chat"], in: folder)
        _ = try QuorumProcess.run(["project", "create", "--name", "Tickets", "--kind", "classify"], in: folder)
        let postgres = try TestPostgres.database()
        #expect(try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", postgres], in: folder).status == 0)

        // Duplicates (after whitespace and case folding too), tabs, backslashes, non-ASCII.
        var lines: [String] = []
        for i in 0..<300 {
            let text = i % 7 == 0 ? "Hello  WORLD \(i % 50)" : "hello world \(i % 50)\tcafé \\ 東京"
            lines.append((["messages": [["role": "user", "content": .string(text)], ["role": "assistant", "content": "ok"]]] as JSONValue).jsonText)
        }
        try folder.write("chats.jsonl", lines.joined(separator: "\n") + "\n")
        let intoPostgres = try QuorumProcess.run(["import", "Chats", "chats.jsonl", "--json", "--database", postgres], in: folder)
        let intoSQLite = try QuorumProcess.run(["import", "Chats", "chats.jsonl", "--json"], in: folder)
        #expect(intoPostgres.status == 0 && intoSQLite.status == 0, "\(intoPostgres.stderr)")
        let summary = try JSONParser.parse(intoPostgres.stdout)
        let sqliteSummary = try JSONParser.parse(intoSQLite.stdout)
        #expect(summary == sqliteSummary)
        #expect((summary["imported"]?.intValue ?? 0) > 50 && (summary["duplicates"]?.intValue ?? 0) > 0, "\(intoPostgres.stdout)")
        // CSV with labels into a project without any yet: the labels met are added on both sides.
        try folder.write("tickets.csv", "text,label\nmy card was charged twice,billing\nwhere is my parcel,shipping\nrefund please,refunds\n")
        for database in [postgres, "quorum.db"] {
            let csv = try QuorumProcess.run(["import", "Tickets", "tickets.csv", "--json", "--database", database], in: folder)
            let added = try? JSONParser.parse(csv.stdout)["added_labels"]
            #expect(csv.status == 0 && added?.arrayValue?.count == 3, "\(csv.stdout) \(csv.stderr)")
        }
        let stored = (postgres: try Self.items(postgres: postgres), sqlite: try Self.items(sqlite: folder.path("quorum.db")))
        #expect(stored.postgres == stored.sqlite)
        #expect(try TestPostgres.psql(postgres, "SELECT item_count FROM projects ORDER BY id").split(separator: "\n")
                == ["\(summary["imported"]?.intValue ?? 0)", "3"])
        #expect(try TestPostgres.psql(postgres, "SELECT labels FROM projects WHERE name = 'Tickets'").contains("refunds"))

        // Again: every record a duplicate. Then a bad record: nothing kept, not even the import's row.
        let again = try QuorumProcess.run(["import", "Chats", "chats.jsonl", "--json", "--database", postgres], in: folder)
        #expect((try JSONParser.parse(again.stdout))["duplicates"]?.intValue == 300)
        let before = try Self.items(postgres: postgres), imports = try TestPostgres.psql(postgres, "SELECT COUNT(*) FROM imports")
        try folder.write("bad.jsonl", lines[0] + "\n{\"messages\": \"new\"}\n" + #"{"messages": [{"role": "user", "content": "new"}, {"role": "assistant", "content": "x"}]}"# + "\n")
        let bad = try QuorumProcess.run(["import", "Chats", "bad.jsonl", "--database", postgres], in: folder)
        #expect(bad.status == 1 && bad.stdout.contains("Nothing imported"), "\(bad.stdout) \(bad.stderr)")
        // A file with answers (Label Studio's, two annotators) is refused on PostgreSQL, saying what to do.
        try folder.write("ls.json", ExportCommandTests.labelStudio(10))
        let answered = try QuorumProcess.run(["import", "Tickets", "ls.json", "--format", "label-studio", "--database", postgres], in: folder)
        #expect(answered.status == 1 && answered.stderr.contains("brings answers or gold") && answered.stderr.contains("quorum migrate"),
                "\(answered.stderr)")
        #expect(try Self.items(postgres: postgres) == before)
        #expect(try TestPostgres.psql(postgres, "SELECT COUNT(*) FROM imports") == imports)
    }
}
