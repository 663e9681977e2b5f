import Foundation
import QuorumCore
import QuorumTestSupport
import Testing

/// Every command on PostgreSQL (`--database postgres://…`), as on SQLite: a team's database set up from the command
/// line, with nothing made on SQLite first.
@Suite struct PostgresCommandsTests {
    /// A database that cannot be reached is named with the server's reason and what to do, not PostgresNIO's dump.
    @Test func aConnectionThatFailsSaysWhyAndWhatToDo() throws {
        let folder = try TemporaryDirectory()
        let url = try #require(TestPostgres.url, "QUORUM_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        let server = url[url.index(url.firstIndex(of: "@")!, offsetBy: 1)..<url.lastIndex(of: "/")!]
        func refusal(_ address: String) throws -> String {
            let result = try QuorumProcess.run(["project", "list", "--database", address], in: folder)
            #expect(result.status == 1)
            return result.stderr
        }
        let database = try refusal(url[..<url.lastIndex(of: "/")!] + "/no_such_database")
        #expect(database.contains("database \"no_such_database\" does not exist: make it first (CREATE DATABASE, or createdb)"), "\(database)")
        let role = try refusal("postgres://no_such_role@\(server)/postgres")
        #expect(role.contains("role \"no_such_role\" does not exist"), "\(role)")
        let down = try refusal("postgres://quorum@127.0.0.1:1/q")
        #expect(down.contains("nothing answers there (connection refused): is PostgreSQL running, listening on that address and port?"), "\(down)")
        for text in [database, role, down] { #expect(!text.contains("PSQLError(code:"), "\(text)") }
    }

    @Test func aTeamIsSetUpFromTheCommandLine() throws {
        let folder = try TemporaryDirectory()
        let postgres = try TestPostgres.database()
        func quorum(_ arguments: String...) throws -> String {
            let result = try QuorumProcess.run(arguments + ["--database", postgres], in: folder)
            guard result.status == 0 else { throw TestFailure("quorum \(arguments.joined(separator: " ")): \(result.stderr)") }
            // Nothing on the terminal but the command's own output (postgres-nio once warned on every command).
            #expect(result.stderr.isEmpty, "quorum \(arguments.joined(separator: " ")): \(result.stderr)")
            return result.stdout
        }
        _ = try quorum("user", "add", "lead", "--role", "lead", "--password", "password1")
        _ = try quorum("user", "add", "ann", "--role", "annotator", "--password", "password1")
        _ = try quorum("project", "create", "--name", "Tickets", "--kind", "classify", "--labels", "billing,shipping")
        try folder.write("t.txt", "my card was charged twice\nwhere is my parcel\nrefund please\n")
        _ = try quorum("import", "Tickets", "t.txt")
        _ = try quorum("project", "add-member", "Tickets", "ann")
        let projects = try JSONParser.parse(try quorum("project", "list", "--json")).arrayValue ?? []
        #expect(projects.count == 1 && projects.first?["items"] == .int(3), "\(projects)")
        let users = try JSONParser.parse(try quorum("user", "list", "--json")).arrayValue ?? []
        #expect(users.compactMap { $0["username"]?.stringValue } == ["lead", "ann"])
        let token = try JSONParser.parse(try quorum("token", "create", "ci", "--user", "lead", "--project", "Tickets", "--scope", "read", "--json"))
        #expect(token["token"]?.stringValue?.hasPrefix("qt_") == true)
        #expect(try quorum("token", "list", "--json").contains("\"ci\""))
        _ = try quorum("token", "revoke", "ci")
        _ = try quorum("model", "add", "local", "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
        #expect(try quorum("model", "list", "--json").contains("\"local\""))
        _ = try quorum("project", "create", "--name", "Production", "--kind", "watch", "--scale", "pass-fail")
        #expect(try TestPostgres.psql(postgres, "SELECT string_agg(kind, ',' ORDER BY id) FROM projects").trimmingCharacters(in: .whitespacesAndNewlines)
                == "classify,watch")
        // A name taken is refused as on SQLite, with nothing changed.
        let again = try QuorumProcess.run(["project", "create", "--name", "tickets", "--kind", "chat", "--database", postgres], in: folder)
        #expect(again.status == 1 && again.stderr.contains("exists already"), "\(again.stderr)")
    }
}
