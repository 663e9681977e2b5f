import Foundation
import QuorumCore
import QuorumTestSupport
import Testing

@Suite(.serialized) struct MigrateCommandTests {
    /// Every row of every table of a SQLite file, in key order, as text (Python's sqlite3 reads it as it is stored).
    static func dump(_ path: String) throws -> String {
        try Shell.run("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name"):
                print(name)
                for row in db.execute(f'SELECT * FROM "{name}" ORDER BY 1, 2'):
                    print(repr(row))
            """, path])
    }

    /// The demo (every kind of project, answers, gold, runs, judgements, watched samples) copied to PostgreSQL, on to
    /// a second PostgreSQL database, and back: every table's rows the same, every export the same bytes.
    @Test func demoDataGoesToPostgresAndBackUnchanged() async throws {
        let folder = try TemporaryDirectory()
        let (server, out, _) = try QuorumProcess.start(["serve", "--port", "0", "--db", "q.db", "--demo"], in: folder,
                                                       environment: ["QUORUM_ADMIN_PASSWORD": "correct horse battery"])
        _ = try #require(await QuorumProcess.address(printedTo: out), "the demo server never started")
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        _ = try QuorumProcess.run(["token", "create", "ingest-bot", "--user", "admin", "--scope", "ingest", "--db", "q.db"], in: folder)
        // Imported answers from two annotators (the demo's projects mostly wait for theirs).
        _ = try QuorumProcess.run(["project", "create", "--name", "Tickets", "--kind", "classify", "--labels", "billing,account,shipping",
                                   "--annotators-per-item", "2", "--db", "q.db"], in: folder)
        try folder.write("ls.json", ExportCommandTests.labelStudio(40))
        #expect(try QuorumProcess.run(["import", "Tickets", "ls.json", "--format", "label-studio", "--db", "q.db"], in: folder).status == 0)

        let postgres = try TestPostgres.database()
        let there = try QuorumProcess.run(["migrate", "--from", "q.db", "--to", postgres, "--json"], in: folder)
        #expect(there.status == 0, "\(there.stderr)")
        let counts = try JSONParser.parse(there.stdout)
        for table in ["users", "projects", "items", "annotations", "annotation_events", "gold", "runs", "run_outputs", "judged_answers",
                      "watch_samples", "api_tokens"] {
            #expect((counts["tables"]?[table]?.intValue ?? 0) > 0, "\(table): \(there.stdout)")
        }
        #expect(try TestPostgres.psql(postgres, "SELECT COUNT(*) FROM items").trimmingCharacters(in: .whitespacesAndNewlines)
                == String(counts["tables"]?["items"]?.intValue ?? -1))

        // A second copy into the same database is refused, and leaves it as it was.
        let again = try QuorumProcess.run(["migrate", "--from", "q.db", "--to", postgres], in: folder)
        #expect(again.status == 1 && again.stderr.contains("already holds Quorum's data"), "\(again.stderr)")

        // New rows in PostgreSQL number on from the copied ones.
        let nextID = try TestPostgres.psql(postgres, "SELECT nextval(pg_get_serial_sequence('items', 'id'))")
        #expect(Int(nextID.trimmingCharacters(in: .whitespacesAndNewlines)) == (counts["tables"]?["items"]?.intValue ?? 0) + 1)

        // PostgreSQL to another PostgreSQL database, and from there back to SQLite.
        let second = try TestPostgres.database()
        let across = try QuorumProcess.run(["migrate", "--from", postgres, "--to", second, "--json"], in: folder)
        #expect(across.status == 0, "\(across.stderr)")
        #expect(try JSONParser.parse(across.stdout) == counts)
        let back = try QuorumProcess.run(["migrate", "--from", second, "--to", "back.db", "--json"], in: folder)
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try JSONParser.parse(back.stdout) == counts)
        #expect(try Self.dump(folder.path("q.db")) == Self.dump(folder.path("back.db")))

        // Every project exported from the original, from the copy back, and straight from PostgreSQL (its own store,
        // reading through cursors): the same bytes, and the same hold-out draw kept in each database.
        let projects = try JSONParser.parse(QuorumProcess.run(["project", "list", "--json", "--db", "q.db"], in: folder).stdout).arrayValue ?? []
        #expect(projects.count >= 7)
        var exported = 0, succeeded = 0
        for project in projects {
            let name = try #require(project["name"]?.stringValue)
            var results: [(status: Int32, files: [String: Data])] = []
            for (i, database) in ["q.db", "back.db", postgres].enumerated() {
                let out = "out-\(i)-\(project["id"]?.intValue ?? 0)"
                let export = try QuorumProcess.run(["export", name, "--out", out, "--consensus", "majority", "--validation", "0.2", "--holdout", "2",
                                                    "--database", database], in: folder)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(out))) ?? []
                results.append((export.status, Dictionary(uniqueKeysWithValues: names.filter { $0.hasSuffix(".jsonl") }.map {
                    ($0, FileManager.default.contents(atPath: folder.path(out + "/" + $0)) ?? Data())
                })))
            }
            #expect(Set(results.map(\.status)).count == 1, "\(name): \(results.map(\.status))")
            #expect(results[0].files == results[1].files && results[0].files == results[2].files, "\(name): the exports differ")
            exported += results[0].files.values.filter { !$0.isEmpty }.count
            if results[2].status == 0 { succeeded += 1 }
        }
        #expect(exported >= 4, "too few projects had anything to export for the comparison to mean much")
        let heldInSQLite = try Shell.run("/usr/bin/python3", ["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
                                                             + "\"SELECT group_concat(id) FROM (SELECT id FROM items WHERE split = 'holdout' ORDER BY id)\").fetchone()[0])",
                                                             folder.path("q.db")])
        let heldInPostgres = try TestPostgres.psql(postgres, "SELECT string_agg(id::text, ',' ORDER BY id) FROM items WHERE split = 'holdout'")
        #expect(heldInSQLite.trimmingCharacters(in: .whitespacesAndNewlines) == heldInPostgres.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(heldInSQLite.split(separator: ",").count >= 4, "\(heldInSQLite)")
        let recorded = try TestPostgres.psql(postgres, "SELECT COUNT(*) FROM exports").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(succeeded >= 2 && Int(recorded) == (counts["tables"]?["exports"]?.intValue ?? 0) + succeeded, "exports recorded in PostgreSQL: \(recorded)")
    }

    @Test func badAddressesAndTargetsAreRefusedWithTheFix() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "T", "--kind", "classify", "--labels", "a,b"], in: folder)
        let missing = try QuorumProcess.run(["migrate", "--from", "nothing.db", "--to", "copy.db"], in: folder)
        #expect(missing.status == 1 && missing.stderr.contains("no SQLite database at nothing.db"))
        let existing = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", "quorum.db"], in: folder)
        #expect(existing.status == 1 && existing.stderr.contains("the same database"))
        _ = try QuorumProcess.run(["project", "list", "--db", "other.db"], in: folder)
        let over = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", "other.db"], in: folder)
        #expect(over.status == 1 && over.stderr.contains("migrate into a new file"), "\(over.stderr)")
        let url = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", "postgres://localhost/"], in: folder)
        #expect(url.status == 1 && url.stderr.contains("no user name") && url.stderr.contains("postgres://USER:PASSWORD@HOST:PORT/DATABASE"), "\(url.stderr)")
        let unreachable = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", "postgres://quorum:secret@127.0.0.1:1/q"], in: folder)
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot connect to PostgreSQL at postgres://quorum:…@127.0.0.1:1/q"))
        #expect(!unreachable.stderr.contains("secret"))
        let down = try QuorumProcess.run(["project", "list", "--database", "postgres://quorum:secret@127.0.0.1:1/q"], in: folder)
        #expect(down.status == 1 && down.stderr.contains("cannot connect to PostgreSQL at postgres://quorum:…@127.0.0.1:1/q"), "\(down.stderr)")
        let environment = try QuorumProcess.run(["project", "list", "--json"], in: folder, environment: ["QUORUM_DATABASE_URL": "other.db"])
        #expect(environment.status == 0 && environment.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(environment.stdout)")
    }

    /// SQLite keeps a value of any type in any column; PostgreSQL does not. The copy names the row and stops.
    @Test func aValueOfTheWrongTypeIsNamedNotConverted() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["user", "add", "ana", "--role", "annotator", "--password", "password1"], in: folder)
        _ = try Shell.sqlite(folder.path("quorum.db"), "UPDATE users SET disabled = 'no'")
        let postgres = try TestPostgres.database()
        let result = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", postgres], in: folder)
        #expect(result.status == 1 && result.stderr.contains("users id 1: disabled holds \"no\" where integer values belong"), "\(result.stderr)")
        #expect(try TestPostgres.psql(postgres, "SELECT COUNT(*) FROM users").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// The PostgreSQL schema holds every column the copy names, with the type its kind needs. (Sign-in attempts are
    /// PostgreSQL's own, kept in a server's memory on SQLite, and never copied; so are a project's count shards, copied
    /// summed into its row through the view `projects_counted`. The exports under way are in both, never copied.)
    @Test func postgresSchemaHasEveryStoredColumn() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "list"], in: folder)
        let postgres = try TestPostgres.database()
        #expect(try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", postgres], in: folder).status == 0)
        let columns = try TestPostgres.psql(postgres, """
            SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT IN ('quorum_schema', 'sign_in_attempts', 'project_count_shards',
                                                               'projects_counted')
            ORDER BY 1
            """).split(separator: "\n").map(String.init)
        let sqlite = try Shell.run("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            kinds = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}
            rows = []
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'"):
                for column in db.execute(f'PRAGMA table_info("{name}")'):
                    rows.append(f"{name}.{column[1]}:{kinds[column[2]]}")
            print("\\n".join(sorted(rows)))
            """, folder.path("quorum.db")]).split(separator: "\n").map(String.init)
        #expect(columns == sqlite)
        // `projects_counted` (a project with its counts summed, what project reads use) names the projects columns
        // one by one: a column added to the table and not to the view would be missing from every project read.
        func names(_ table: String) throws -> String {
            try TestPostgres.psql(postgres, "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = '\(table)'")
        }
        #expect(try names("projects_counted") == names("projects"))
    }
}
