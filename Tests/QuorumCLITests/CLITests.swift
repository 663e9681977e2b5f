import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import QuorumCore
import QuorumTestSupport

@Suite struct ProjectCommandTests {
    @Test func createThenListAsJSON() throws {
        let folder = try TemporaryDirectory()
        let created = try QuorumProcess.run(["project", "create", "--name", "Tickets", "--kind", "classify", "--labels", "a, b,c",
                                             "--annotators-per-item", "3", "--db", "q.db"], in: folder)
        #expect(created.status == 0, "\(created.stderr)")
        let list = try QuorumProcess.run(["project", "list", "--json", "--db", "q.db"], in: folder)
        let projects = try #require(JSONParser.parse(list.stdout).arrayValue)
        #expect(projects.count == 1)
        #expect(projects[0]["name"] == "Tickets")
        #expect(projects[0]["labels"] == ["a", "b", "c"])
        #expect(projects[0]["annotators_per_item"] == 3)
        #expect(projects[0]["items"] == 0)
        let duplicate = try QuorumProcess.run(["project", "create", "--name", "tickets", "--kind", "chat", "--db", "q.db"], in: folder)
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("exists already"))
    }

    /// A file that is not a database, or a path whose folder is missing, is named with what to do; the file is left as it was.
    @Test func aDatabaseThatCannotBeOpenedSaysWhyAndWhatToDo() throws {
        let folder = try TemporaryDirectory()
        try folder.write("notes.txt", "not a database\n")
        let text = try QuorumProcess.run(["project", "list", "--db", "notes.txt"], in: folder)
        #expect(text.status == 1 && text.stderr.contains("cannot open the database notes.txt: it is not a SQLite file, so not a Quorum database"), "\(text.stderr)")
        #expect(try String(contentsOfFile: folder.path("notes.txt"), encoding: .utf8) == "not a database\n")
        let nowhere = try QuorumProcess.run(["project", "list", "--db", "missing/q.db"], in: folder)
        #expect(nowhere.status == 1 && nowhere.stderr.contains("its folder missing does not exist: make it first, or give another path"), "\(nowhere.stderr)")
    }

    @Test func unknownProjectListsTheKnownOnes() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "Real", "--kind", "chat", "--db", "q.db"], in: folder)
        try folder.write("x.jsonl", "")
        let result = try QuorumProcess.run(["import", "Nope", "x.jsonl", "--db", "q.db"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no project \"Nope\"; projects: 1 Real"))
    }
}

@Suite struct TokenCommandTests {
    @Test func aTokenIsPrintedOnceListedWithoutItAndRevoked() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["user", "add", "svc", "--role", "lead", "--password", "password1", "--db", "q.db"], in: folder)
        _ = try QuorumProcess.run(["project", "create", "--name", "Tickets", "--kind", "classify", "--labels", "a,b", "--db", "q.db"], in: folder)
        let created = try QuorumProcess.run(["token", "create", "service", "--user", "svc", "--project", "Tickets", "--scope", "ingest", "--json", "--db", "q.db"], in: folder)
        #expect(created.status == 0, "\(created.stderr)")
        let made = try JSONParser.parse(created.stdout)
        let text = try #require(made["token"]?.stringValue)
        #expect(made["name"] == "service" && text.hasPrefix("qt_"))
        let list = try QuorumProcess.run(["token", "list", "--json", "--db", "q.db"], in: folder)
        #expect(!list.stdout.contains(text))
        #expect(try JSONParser.parse(list.stdout).arrayValue?.first?["scope"] == "ingest")
        #expect(try QuorumProcess.run(["token", "revoke", "service", "--db", "q.db"], in: folder).status == 0)
        #expect(try QuorumProcess.run(["token", "revoke", "service", "--db", "q.db"], in: folder).status == 2)
        let bad = try QuorumProcess.run(["token", "create", "x", "--user", "svc", "--scope", "write", "--db", "q.db"], in: folder)
        #expect(bad.status != 0)
    }
}

@Suite struct WatchCommandTests {
    @Test func aWatchProjectIsMadeAndItsEmptyTrendRead() throws {
        let folder = try TemporaryDirectory()
        let made = try QuorumProcess.run(["project", "create", "--name", "Bot", "--kind", "watch", "--scale", "pass-fail", "--criteria", "polite",
                                          "--sample-rate", "0.5", "--alert-below", "0.9", "--json", "--db", "q.db"], in: folder)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try JSONParser.parse(made.stdout)["kind"] == "watch")
        let trend = try QuorumProcess.run(["watch", "Bot", "--by", "day", "--json", "--db", "q.db"], in: folder)
        let read = try JSONParser.parse(trend.stdout)
        #expect(trend.status == 0 && read["periods"] == [] && read["alerts"] == [])
        #expect(try QuorumProcess.run(["project", "create", "--name", "Bad", "--kind", "watch", "--scale", "1-10", "--db", "q.db"], in: folder).status == 2)
        #expect(try QuorumProcess.run(["project", "create", "--name", "Bad", "--kind", "watch", "--sample-rate", "0", "--db", "q.db"], in: folder).status != 0)
        let other = try QuorumProcess.run(["watch", "Bot2", "--db", "q.db"], in: folder)
        #expect(other.status != 0)
    }
}

@Suite struct ImportCommandTests {
    static let good = #"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}"#

    @Test func badLinesAreListedAndNothingIsWritten() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "C", "--kind", "chat"], in: folder)
        try folder.write("in.jsonl", Self.good + "\n" + #"{"messages": "nope"}"# + "\n{broken\n")
        let result = try QuorumProcess.run(["import", "C", "in.jsonl"], in: folder)
        #expect(result.status == 1)
        #expect(result.stdout.contains("2:messages: must be an array of messages, found a string"))
        #expect(result.stdout.contains("3:json: "))
        let list = try JSONParser.parse(QuorumProcess.run(["project", "list", "--json"], in: folder).stdout)
        #expect(list.arrayValue?.first?["items"] == 0)
    }

    @Test func skipInvalidWritesTheRejectsFile() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "C", "--kind", "chat"], in: folder)
        let bad = #"{"messages": [{"role": "user"}], "x": "#
        try folder.write("in.jsonl", Self.good + "\n" + bad + "\n")
        let result = try QuorumProcess.run(["import", "C", "in.jsonl", "--skip-invalid", "--json"], in: folder)
        #expect(result.status == 0)
        let summary = try JSONParser.parse(result.stdout)
        #expect(summary["imported"] == 1 && summary["rejected"] == 1 && summary["duplicates"] == 0)
        #expect(summary["errors"]?.arrayValue?.first?["line"] == 2)
        let rejects = try String(contentsOfFile: folder.path("in.jsonl.rejects.jsonl"), encoding: .utf8)
        let reject = try JSONParser.parse(rejects.trimmingCharacters(in: .newlines))
        #expect(reject["raw"] == .string(bad))
        #expect(reject["line"] == 2)
    }

    @Test func missingFileExitsTwo() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "C", "--kind", "chat"], in: folder)
        let result = try QuorumProcess.run(["import", "C", "absent.jsonl"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot read absent.jsonl"))
    }

    /// A sign-in wait out of its range is refused as a usage error naming the flag, before anything is opened (the
    /// address cannot be listened on: a server let through would stop there, not run on).
    @Test(arguments: ["0", "301"]) func aSignInWaitOutOfRangeIsRefused(wait: String) throws {
        let folder = try TemporaryDirectory()
        let result = try QuorumProcess.run(["serve", "--host", "256.0.0.1", "--port", "0", "--sign-in-wait", wait, "--db", folder.path("q.db")],
                                           in: folder)
        #expect(result.status == 64 && result.stderr.contains("--sign-in-wait must be more than 0 and at most 300 seconds"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("q.db")))
    }

    /// A trusted proxy is an IP address: a range or a name is refused as a usage error naming the flag, before
    /// anything is opened.
    @Test(arguments: ["10.0.0.0/8", "proxy.internal"]) func aTrustedProxyThatIsNoAddressIsRefused(proxy: String) throws {
        let folder = try TemporaryDirectory()
        let result = try QuorumProcess.run(["serve", "--host", "256.0.0.1", "--port", "0", "--trusted-proxy", "127.0.0.1", "--trusted-proxy", proxy,
                                            "--db", folder.path("q.db")], in: folder)
        #expect(result.status == 64 && result.stderr.contains("--trusted-proxy \(proxy): give the proxy's IP address"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("q.db")))
    }

    /// Killed once holding the database to itself (its pages going straight into the file, past the 64 MB page
    /// cache, with a rollback journal) and once `--shared` (into the write-ahead log).
    @Test(arguments: [false, true]) func killedImportLeavesTheDatabaseAsItWas(shared: Bool) throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "C", "--kind", "chat"], in: folder)
        try folder.write("small.jsonl", Self.good + "\n")
        #expect(try QuorumProcess.run(["import", "C", "small.jsonl"], in: folder).status == 0)

        // A file big enough that the import is still running when it is killed, and (about 100 MB) fills the
        // page cache well before its end.
        let padding = String(repeating: "some padding text to make the line longer, ", count: 3)
        var big = ""
        big.reserveCapacity(100_000_000)
        for i in 0..<400_000 {
            big += #"{"messages": [{"role": "user", "content": "question \#(i) \#(padding)"}, {"role": "assistant", "content": "answer \#(i)"}]}"#
            big += "\n"
        }
        try folder.write("big.jsonl", big)
        let database = folder.path("quorum.db"), journal = database + "-journal", wal = database + "-wal"
        func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        let before = size(database)
        let (process, _, _) = try QuorumProcess.start(["import", "C", "big.jsonl"] + (shared ? ["--shared"] : []), in: folder)
        // Wait until the import has written 4 MB where it writes, then kill it without warning.
        var journalSeen = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            journalSeen = journalSeen || FileManager.default.fileExists(atPath: journal)
            if (shared ? size(wal) : size(database) - before) > 4_000_000 { break }
            usleep(20_000)
        }
        #expect(process.isRunning, "the import finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(journalSeen == !shared)

        let list = try JSONParser.parse(QuorumProcess.run(["project", "list", "--json"], in: folder).stdout)
        #expect(list.arrayValue?.first?["items"] == 1)
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(size(database) < before + 1_000_000, "the pages the killed import added are still in the file")
        let again = try QuorumProcess.run(["import", "C", "small.jsonl", "--json"], in: folder)
        #expect(try JSONParser.parse(again.stdout)["duplicates"] == 1)
    }

    /// A server has the database open: the import cannot hold it to itself, so it shares it, and the server goes on
    /// answering.
    @Test func importWhileAServerRunsSharesTheDatabase() async throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "C", "--kind", "chat"], in: folder)
        let (server, out, _) = try QuorumProcess.start(["serve", "--port", "0"], in: folder,
                                                       environment: ["QUORUM_ADMIN_PASSWORD": "correct horse battery"])
        defer { kill(server.processIdentifier, SIGTERM); server.waitUntilExit() }
        let url = try #require(await QuorumProcess.address(printedTo: out), "the server never said where it listens")
        try folder.write("two.jsonl", Self.good + "\n" + Self.good.replacingOccurrences(of: #""hi""#, with: #""hi there""#) + "\n")
        let imported = try QuorumProcess.run(["import", "C", "two.jsonl", "--json"], in: folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try JSONParser.parse(imported.stdout)["imported"] == 2)
        let (_, response) = try await URLSession.shared.data(from: URL(string: url + "login")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let list = try JSONParser.parse(QuorumProcess.run(["project", "list", "--json"], in: folder).stdout)
        #expect(list.arrayValue?.first?["items"] == 2)
    }
}

@Suite struct ServeCommandTests {
    @Test func servesPagesAndStaticFilesAndStopsOnSIGTERM() async throws {
        let folder = try TemporaryDirectory()
        // Started from another folder: templates and Public/ must be found all the same.
        let (process, out, _) = try QuorumProcess.start(["serve", "--port", "0", "--db", folder.path("q.db"), "--demo"], in: folder,
                                                        environment: ["QUORUM_ADMIN_PASSWORD": "correct horse battery"])
        let url = try #require(await QuorumProcess.address(printedTo: out), "the server never said where it listens")
        let (page, response) = try await URLSession.shared.data(from: URL(string: url + "login")!)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("default-src 'self'") == true)
        #expect(String(decoding: page, as: UTF8.self).contains("Sign in"))
        let (css, cssResponse) = try await URLSession.shared.data(from: URL(string: url + "static/quorum.css")!)
        #expect((cssResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: css, as: UTF8.self).contains("--accent"))

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let printed = try String(contentsOfFile: out, encoding: .utf8)
        #expect(printed.contains("Created user admin (password from QUORUM_ADMIN_PASSWORD)"))
        #expect(printed.contains("Added demo projects: Demo: support replies, Demo: banking tickets, Demo: entities, Demo: model evaluation, Demo: which model answers better, Demo: rate the answers, Demo: support bot in production."))
    }
}

@Suite struct ValidateCommandTests {
    @Test func toyFileFailsWithTheCookbooksFindings() throws {
        let folder = try TemporaryDirectory()
        let toy = Repository.sharedData("openai-cookbook/toy_chat_fine_tuning.jsonl")
        let result = try QuorumProcess.run(["validate", toy, "--json"], in: folder)
        #expect(result.status == 1)
        let report = try JSONParser.parse(result.stdout)
        #expect(report["errors"]?.arrayValue?.map { $0["code"] } == ["too_few_examples"])
        #expect(report["tokens_exact"] == true, "run `make tokenizer`")
        #expect(report["stats"]?["tokens_per_example"]?["max"] == 8031)
        #expect(report["length_outliers"] == [5])
        let text = try QuorumProcess.run(["validate", toy], in: folder)
        #expect(text.stdout.contains("fewer than 10 examples"))
        #expect(text.stdout.contains("1 example has no system message"))
    }

    @Test func goodFilePassesAndStrictFailsOnWarnings() throws {
        let folder = try TemporaryDirectory()
        let lines = (0..<20).map { #"{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q\#($0)"}, {"role": "assistant", "content": "a\#($0)"}]}"# }
        try folder.write("good.jsonl", lines.joined(separator: "\n"))
        #expect(try QuorumProcess.run(["validate", "good.jsonl"], in: folder).status == 0)
        #expect(try QuorumProcess.run(["validate", "good.jsonl", "--strict"], in: folder).status == 1)
        #expect(try QuorumProcess.run(["validate", "missing.jsonl"], in: folder).status == 2)
        #expect(try QuorumProcess.run(["validate", "good.jsonl", "--model", "unknown-model"], in: folder).status == 2)
    }

    @Test func tokensCountsTextAndExamples() throws {
        let folder = try TemporaryDirectory()
        let toy = Repository.sharedData("openai-cookbook/toy_chat_fine_tuning.jsonl")
        let counts = try QuorumProcess.run(["tokens", "--jsonl", toy], in: folder)
        #expect(counts.stdout.split(separator: "\n") == ["43", "106", "26", "27", "8031"])
        try folder.write("t.txt", "héllo wörld 👋\n")
        #expect(try QuorumProcess.run(["tokens", "t.txt"], in: folder).stdout == "8\n")
    }
}

@Suite struct AgreementCommandTests {
    @Test func computesFromAFileWithNullForUndefined() throws {
        let folder = try TemporaryDirectory()
        try folder.write("k.json", #"{"level": "nominal", "ratings": [[1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3], [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null]]}"#)
        let result = try QuorumProcess.run(["agreement", "compute", "k.json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let out = try JSONParser.parse(result.stdout)
        #expect(abs((out["krippendorff_alpha"]?.doubleValue ?? 0) - 0.743) < 0.0005)
        #expect(out["fleiss_kappa"] == .null)
        #expect(out["cohen_kappa"]?.arrayValue?.count == 6)
        try folder.write("bad.json", #"{"level": "fuzzy", "ratings": []}"#)
        let bad = try QuorumProcess.run(["agreement", "compute", "bad.json"], in: folder)
        #expect(bad.status == 1 && bad.stderr.contains("level"))
    }
}

@Suite struct ValidateUnreadableLineTests {
    @Test func invalidUTF8IsNamedWithItsLine() throws {
        let folder = try TemporaryDirectory()
        let good = Array(#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"#.utf8)
        var bytes: [UInt8] = []
        for _ in 0..<12 { bytes += good + [0x0A] }
        bytes += Array(#"{"messages": [{"role": "user", "content": "caf"#.utf8) + [0xFF] + Array(#""}]}"#.utf8) + [0x0A]
        try folder.write("bad.jsonl", bytes: bytes)
        let result = try QuorumProcess.run(["validate", "bad.jsonl", "--json"], in: folder)
        #expect(result.status == 1)
        let error = try #require(JSONParser.parse(result.stdout)["errors"]?.arrayValue?.first)
        #expect(error["code"] == "invalid_utf8" && error["line"] == 13)
    }
}

@Suite struct ExportCommandTests {
    /// A Label Studio export with two annotators per task; they disagree on the last one.
    static func labelStudio(_ count: Int) -> String {
        let tasks: [JSONValue] = (0..<count).map { i in
            let label = ["billing", "account", "shipping"][i % 3]
            let annotations: [JSONValue] = ["ana", "ben"].map { user in
                let chosen = user == "ben" && i == count - 1 ? "account" : label
                return ["completed_by": ["email": .string(user + "@example.org")],
                        "result": [["type": "choices", "from_name": "c", "to_name": "t", "value": ["choices": [.string(chosen)]]]]]
            }
            return ["data": ["text": .string("ticket \(i): my card 💳 was charged")], "annotations": .array(annotations)]
        }
        return JSONValue.array(tasks).jsonText
    }

    /// A folder whose database has project T: 16 tickets, two answers each, agreed but on the last.
    static func tickets() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "T", "--kind", "classify", "--labels", "billing,account,shipping",
                                   "--annotators-per-item", "2"], in: folder)
        try folder.write("ls.json", labelStudio(16))
        #expect(try QuorumProcess.run(["import", "T", "ls.json", "--format", "label-studio"], in: folder).status == 0)
        return folder
    }

    @Test func exportThenValidateFindsNoErrors() throws {
        let folder = try Self.tickets()
        let result = try QuorumProcess.run(["export", "T", "--out", "out", "--validation", "0.2", "--json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout)
        #expect(report["counts"]?["train"] == 12 && report["counts"]?["validation"] == 3)
        #expect(report["excluded"]?["by_reason"] == ["no consensus": 1])
        #expect(report["excluded"]?["items"]?.arrayValue?.first?["external_id"] != nil)
        let files = try #require(report["files"]?.arrayValue)
        let train = try #require(FileManager.default.contents(atPath: folder.path("out/train.jsonl")))
        #expect(files.first?["sha256"]?.stringValue == ContentHash.sha256Hex([UInt8](train)))
        let validate = try QuorumProcess.run(["validate", "out/train.jsonl", "--json"], in: folder)
        #expect(try JSONParser.parse(validate.stdout)["error_count"] == 0, "\(validate.stdout)")
        #expect(validate.status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path("out/report.md")))
    }

    @Test func anEmptyResultExitsOneWithTheReasons() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "T", "--kind", "classify", "--labels", "a,b"], in: folder)
        try folder.write("t.txt", "one\ntwo\n")
        _ = try QuorumProcess.run(["import", "T", "t.txt"], in: folder)
        let result = try QuorumProcess.run(["export", "T", "--out", "out"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("nothing to export"))
        #expect(result.stderr.contains("2 items: not enough answers"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("out/train.jsonl")))
        let wrongKind = try QuorumProcess.run(["export", "T", "--out", "out", "--format", "dpo"], in: folder)
        #expect(wrongKind.status == 1 && wrongKind.stderr.contains("dpo export needs a chat project"))
        #expect(try Shell.sqlite(folder.path("quorum.db"), "SELECT COUNT(*) FROM exports_under_way") == "0\n")  // claims let go
    }

    /// An export of a project waits for the one under way (here, one a server runs for the browser) and says so; Ctrl+C
    /// then stops it with nothing written and the other claim left alone. Once that claim lapses, an export runs under
    /// its own claim and lets it go at its end.
    @Test func anExportWaitsForTheOneUnderWay() async throws {
        let folder = try Self.tickets()
        let db = folder.path("quorum.db")
        _ = try Shell.sqlite(db, "INSERT INTO exports_under_way VALUES (1, 'the browser''s', 5, 16, (julianday('now') - 2440587.5) * 86400.0 + 600)")
        func waiting() async throws -> (Process, String, () -> String) {
            let (process, out, err) = try QuorumProcess.start(["export", "T", "--out", "out", "--json"], in: folder)
            let deadline = Date().addingTimeInterval(30)
            func said() -> String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }
            while !said().contains("waiting"), process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(said().contains("waiting: an export of T is under way (5 of 16 items read)"), "\(said())")
            #expect(process.isRunning)
            return (process, out, said)
        }
        let (interrupted, _, saidThen) = try await waiting()
        kill(interrupted.processIdentifier, SIGINT)
        interrupted.waitUntilExit()
        #expect(interrupted.terminationStatus == 130 && saidThen().contains("cancelled: nothing was written"), "\(saidThen())")
        #expect(try Shell.sqlite(db, "SELECT claim FROM exports_under_way") == "the browser's\n")

        let (process, out, said) = try await waiting()
        #expect(!FileManager.default.fileExists(atPath: folder.path("out/train.jsonl")))
        _ = try Shell.sqlite(db, "UPDATE exports_under_way SET lease_until = 0")  // that export's server stopped
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(said())")
        #expect(try JSONParser.parse(try String(contentsOfFile: out, encoding: .utf8))["counts"]?["train"] == 15)
        #expect(try Shell.sqlite(db, "SELECT COUNT(*) FROM exports_under_way") == "0\n")
    }
}

@Suite struct AgreementProjectCommandTests {
    @Test func projectFiguresFromALabelStudioImport() throws {
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "T", "--kind", "classify", "--labels", "billing,account,shipping",
                                   "--annotators-per-item", "2"], in: folder)
        try folder.write("ls.json", ExportCommandTests.labelStudio(9))
        _ = try QuorumProcess.run(["import", "T", "ls.json", "--format", "label-studio"], in: folder)
        let result = try QuorumProcess.run(["agreement", "T", "--json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let figures = try JSONParser.parse(result.stdout)
        #expect(figures["annotators"] == ["label-studio:ana@example.org", "label-studio:ben@example.org"])
        #expect(figures["shared_items"] == 9)
        #expect(figures["categorical"]?["percent_agreement"]?.doubleValue.map { abs($0 - 8.0 / 9.0) < 1e-4 } == true)
        let text = try QuorumProcess.run(["agreement", "T"], in: folder)
        #expect(text.stdout.contains("Krippendorff's alpha (nominal): 0."))
        // The subcommands that read files still work beside PROJECT.
        try folder.write("r.json", #"{"ratings": [["a", "b"], ["a", "b"]]}"#)
        #expect(try JSONParser.parse(QuorumProcess.run(["agreement", "compute", "r.json"], in: folder).stdout)["percent_agreement"] == 1)
    }
}
