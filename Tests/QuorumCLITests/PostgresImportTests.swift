import Foundation
import QuorumCore
import QuorumTestSupport
import Testing

/// `quorum import --database postgres://…`: the same items, ids, hashes and summary as the same import into SQLite;
/// nothing kept when a record is bad; a file with answers or gold stored as SQLite stores it.
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
        #expect(try Self.items(postgres: postgres) == before)
        #expect(try TestPostgres.psql(postgres, "SELECT COUNT(*) FROM imports") == imports)

        // A file with answers (Label Studio's, two annotators, some of its items already stored), then one as gold:
        // the same summaries, accounts, memberships, answers, counts, history and gold as on SQLite.
        try folder.write("ls.json", ExportCommandTests.labelStudio(10))
        try folder.write("gold.csv", "text,label\nticket 3: my card 💳 was charged,billing\na new one,account\n")
        for database in [postgres, "quorum.db"] {
            let made = try QuorumProcess.run(["project", "create", "--name", "Answered", "--kind", "classify", "--labels", "billing,account,shipping",
                                              "--database", database], in: folder)
            #expect(made.status == 0, "\(made.stderr)")
            var summaries: [JSONValue] = []
            for arguments in [["ls.json", "--format", "label-studio"], ["ls.json", "--format", "label-studio"], ["gold.csv", "--as-gold"]] {
                let run = try QuorumProcess.run(["import", "Answered"] + arguments + ["--json", "--database", database], in: folder)
                #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
                summaries.append(try JSONParser.parse(run.stdout))
            }
            #expect(summaries[0]["imported"]?.intValue == 10 && summaries[0]["annotations"]?.intValue == 20, "\(summaries[0])")
            #expect(summaries[1]["imported"]?.intValue == 0 && summaries[1]["annotations"]?.intValue == 0, "\(summaries[1])")
            #expect(summaries[2]["imported"]?.intValue == 1 && summaries[2]["gold"]?.intValue == 2, "\(summaries[2])")
        }
        let answered = [
            // Accounts made for the file's annotators, and their memberships.
            "SELECT u.username, u.display_name, u.role, u.disabled, CASE WHEN u.password_hash IS NULL THEN 1 ELSE 0 END FROM users u WHERE u.username LIKE 'label-studio%' ORDER BY u.username",
            "SELECT u.username FROM project_members m JOIN users u ON u.id = m.user_id JOIN projects p ON p.id = m.project_id WHERE p.name = 'Answered' ORDER BY u.username",
            "SELECT i.input, u.username, a.status, a.labels, a.spans, a.version FROM annotations a JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id ORDER BY i.input, u.username",
            "SELECT i.input, i.taken, i.submitted FROM items i JOIN projects p ON p.id = i.project_id WHERE p.name = 'Answered' ORDER BY i.input",
            "SELECT u.username, c.submitted FROM annotator_counts c JOIN users u ON u.id = c.annotator_id ORDER BY u.username",
            "SELECT name, item_count, annotation_count, complete_count FROM projects_counted ORDER BY name",
            "SELECT e.action, e.after FROM annotation_events e JOIN annotations a ON a.id = e.annotation_id JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id ORDER BY i.input, u.username",
            "SELECT i.input, g.resolution, g.source FROM gold g JOIN items i ON i.id = g.item_id ORDER BY i.input",
        ]
        for sql in answered {
            // PostgreSQL sums a project's counts in a view (`PostgresSchema.v5`); SQLite keeps them on its row.
            let (inPostgres, inSQLite) = (try TestPostgres.psql(postgres, sql),
                                          try Shell.sqlite(folder.path("quorum.db"), sql.replacingOccurrences(of: "projects_counted", with: "projects")))
            #expect(inPostgres == inSQLite, "\(sql)")
            #expect(!inPostgres.isEmpty, "\(sql)")
        }
    }
}
