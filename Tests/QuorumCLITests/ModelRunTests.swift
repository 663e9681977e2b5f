import Foundation
import Testing
import QuorumCore
import QuorumTestSupport

/// The model loop from the command line, against the stand-in endpoint: models, the hold-out, runs (retries, quota,
/// resume after kill -9), scores and comparisons. The key never reaches the database or the output.
@Suite struct ModelRunTests {
    static let key = "sk-test-NEVER-STORED-4242"
    let labels = ["refund", "card", "other"]

    /// A classify project whose 30 items carry their gold label in the text ("… [card]"), imported as gold.
    func project(_ folder: TemporaryDirectory) async throws -> String {
        let db = folder.path("q.db")
        #expect(try await QuorumProcess.runAside(["project", "create", "--name", "Tickets", "--kind", "classify", "--labels", labels.joined(separator: ","), "--db", db], in: folder).status == 0)
        let lines = (0..<30).map { i in #"{"text": "ticket \#(i) [\#(labels[i % 3])]", "label": ["\#(labels[i % 3])"]}"# }
        _ = try folder.write("gold.jsonl", lines.joined(separator: "\n") + "\n")
        let imported = try await QuorumProcess.runAside(["import", "Tickets", "gold.jsonl", "--as-gold", "--json", "--db", db], in: folder)
        #expect(try JSONParser.parse(imported.stdout)["gold"] == 30)
        let held = try await QuorumProcess.runAside(["holdout", "Tickets", "--size", "12", "--seed", "7", "--json", "--db", db], in: folder)
        #expect(try JSONParser.parse(held.stdout) == ["holdout": 12])
        // Drawn once: asking again keeps the same twelve.
        #expect(try JSONParser.parse(try await QuorumProcess.runAside(["holdout", "Tickets", "--size", "12", "--json", "--db", db], in: folder).stdout) == ["holdout": 12])
        return db
    }

    static func label(in text: String) -> String {
        String(text.split(separator: "[").last?.dropLast() ?? "")
    }

    @Test func twoModelsOnTheHoldOutComparedWithAnInterval() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        // "base" says refund to everything; "tuned" gets every item right, once a 429 and a 500 have been tried again.
        let endpoint = try await StandInEndpoint { request, n in
            if request.body.contains(#""model":"base""#) { return .answer("refund") }
            if n == 12 { return .status(429, body: #"{"error": {"message": "slow down", "type": "rate_limit_exceeded", "code": "rate_limit_exceeded"}}"#, headers: [("retry-after-ms", "20")]) }
            if n == 13 { return .status(500, body: #"{"error": {"message": "oops", "code": null}}"#) }
            return .answer(" \(Self.label(in: request.userText).capitalized) ")
        }
        defer { endpoint.stop() }
        for name in ["base", "tuned"] {
            let added = try await QuorumProcess.runAside(["model", "add", name, "--base-url", endpoint.baseURL, "--model", name, "--api-key-env", "QTEST_KEY",
                                               "--concurrency", "4", "--price-input", "1", "--price-output", "2", "--db", db], in: folder)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let env = ["QTEST_KEY": Self.key]
        let base = try await QuorumProcess.runAside(["run", "Tickets", "--model", "base", "--json", "--db", db], in: folder, environment: env)
        #expect(base.status == 0, "\(base.stderr)")
        let baseRun = try JSONParser.parse(base.stdout)
        #expect(baseRun["items"] == 12 && baseRun["answered"] == 12 && baseRun["failed"] == 0)
        #expect(baseRun["input_tokens"] == 120 && baseRun["output_tokens"] == 24)
        #expect(baseRun["cost_usd"] == 0.000168)
        let tuned = try JSONParser.parse(try await QuorumProcess.runAside(["run", "Tickets", "--model", "tuned", "--json", "--db", db], in: folder, environment: env).stdout)
        #expect(tuned["answered"] == 12)
        #expect(endpoint.requests.count == 26)  // 12 + 12 + the two tried again
        #expect(endpoint.requests.allSatisfy { $0.authorization == "Bearer \(Self.key)" })
        // The prompt is the export line without its answer: the system prompt naming the labels, then the text.
        let first = try JSONParser.parse(endpoint.requests[0].body)
        #expect(first["messages"]?.arrayValue?.count == 2)
        #expect(first["messages"]?.arrayValue?[0]["content"]?.stringValue?.contains("refund, card, other") == true)

        let a = try #require(baseRun["run"]?.intValue), b = try #require(tuned["run"]?.intValue)
        let scored = try JSONParser.parse(try await QuorumProcess.runAside(["eval", "Tickets", "--run", String(a), "--json", "--db", db], in: folder).stdout)
        #expect(scored["kind"] == "classify" && scored["items"] == 12)
        let refundShare = try #require(scored["per_label"]?["refund"]?["support"]?.intValue)
        #expect(abs((scored["accuracy"]?.doubleValue ?? -1) - Double(refundShare) / 12) < 1e-4)
        #expect(scored["per_label"]?["refund"]?["recall"] == 1)
        let compared = try JSONParser.parse(try await QuorumProcess.runAside(["eval", "Tickets", "--run", String(a), "--vs", String(b), "--json", "--db", db], in: folder).stdout)
        #expect(compared["metric"] == "accuracy" && compared["b_value"] == 1 && compared["items"] == 12)
        let low = try #require(compared["ci95"]?.arrayValue?[0].doubleValue), high = try #require(compared["ci95"]?.arrayValue?[1].doubleValue)
        let difference = try #require(compared["difference"]?.doubleValue)
        #expect(low <= difference && difference <= high && low > 0)
        let p = try #require(compared["mcnemar_p"]?.doubleValue)
        #expect(abs(p - Comparison.mcnemarExact(0, 12 - refundShare)) < 1e-5)
        let text = try await QuorumProcess.runAside(["eval", "Tickets", "--run", String(a), "--vs", String(b), "--db", db], in: folder).stdout
        #expect(text.contains("base") && text.contains("→ tuned 100.0%") && text.contains("95% CI"))

        // The two runs' answers to be judged blind: one item per hold-out item both answered; results wait for votes.
        let compare = try await QuorumProcess.runAside(["compare", "create", "--name", "Blind", "--from", "Tickets", "--runs", "\(a),\(b)",
                                                        "--annotators-per-item", "3", "--criteria", "helpful, correct", "--json", "--db", db], in: folder)
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(try JSONParser.parse(compare.stdout)["items"] == 12)
        let empty = try JSONParser.parse(try await QuorumProcess.runAside(["compare", "results", "Blind", "--json", "--db", db], in: folder).stdout)
        #expect(empty["judgements"] == 0 && empty["pairs"] == [])
        #expect(empty["runs"]?[String(b)]?.stringValue == "run \(b) · tuned")
        let rate = try await QuorumProcess.runAside(["rate", "create", "--name", "Rated", "--from", "Tickets", "--runs", String(b), "--scale", "pass-fail", "--db", db], in: folder)
        #expect(rate.status == 0 && rate.stdout.contains("with 12 items"))
        let refused = try await QuorumProcess.runAside(["compare", "create", "--name", "Alone", "--from", "Tickets", "--runs", String(a), "--db", db], in: folder)
        #expect(refused.status != 0 && refused.stderr.contains("at least two runs"))
        let criteria = try await QuorumProcess.runAside(["compare", "create", "--name", "Twice", "--from", "Tickets", "--runs", "\(a),\(b)", "--criteria", "x,x", "--db", db], in: folder)
        #expect(criteria.status == 2 && criteria.stderr.contains("given twice"))

        // The key is read from the environment only: not in the database, not in what the commands print.
        let stored = try Data(contentsOf: URL(fileURLWithPath: db)) + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
        #expect(stored.range(of: Data(Self.key.utf8)) == nil)
        #expect(!base.stdout.contains(Self.key) && !base.stderr.contains(Self.key))
        let missingKey = try await QuorumProcess.runAside(["run", "Tickets", "--model", "base", "--db", db], in: folder)
        #expect(missingKey.status == 2 && missingKey.stderr.contains("$QTEST_KEY"))
        #expect(try Shell.sqlite(db, "SELECT COUNT(*) FROM runs WHERE status = 'running'") == "0\n")  // no run made, none left running
    }

    @Test func quotaStopsTheRunAndResumeAsksOnlyForTheRest() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        // The sixth request meets a used-up quota; after it, the quota is back.
        let endpoint = try await StandInEndpoint { request, n in
            n == 5 ? .status(429, body: #"{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}"#)
                   : .answer(Self.label(in: request.userText))
        }
        defer { endpoint.stop() }
        _ = try await QuorumProcess.runAside(["model", "add", "m", "--base-url", endpoint.baseURL, "--model", "m", "--concurrency", "1", "--db", db], in: folder)
        let stopped = try await QuorumProcess.runAside(["run", "Tickets", "--model", "m", "--json", "--db", db], in: folder)
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("insufficient_quota"))
        let summary = try JSONParser.parse(stopped.stdout)
        #expect(summary["answered"] == 5 && summary["status"] == "stopped")
        #expect(endpoint.requests.count == 6)  // never retried
        let run = try #require(summary["run"]?.intValue)
        let asked = Set(endpoint.requests.prefix(5).map(\.userText))
        // While another process holds the run (a server that resumed it from its runs page), the command line leaves it.
        _ = try Shell.sqlite(db, "UPDATE runs SET status = 'running', lease_until = '2999-01-01T00:00:00.000Z' WHERE id = \(run)")
        let held = try await QuorumProcess.runAside(["run", "Tickets", "--resume", String(run), "--db", db], in: folder)
        #expect(held.status == 1 && held.stderr.contains("is being driven by another process"), "\(held.stderr)")
        #expect(endpoint.requests.count == 6)
        _ = try Shell.sqlite(db, "UPDATE runs SET lease_until = NULL")  // as a version before holds left it: no process holds it
        let resumed = try await QuorumProcess.runAside(["run", "Tickets", "--resume", String(run), "--json", "--db", db], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try JSONParser.parse(resumed.stdout)["answered"] == 12)
        let again = endpoint.requests.dropFirst(6).map(\.userText)
        #expect(again.count == 7)
        #expect(Set(again).isDisjoint(with: asked))
    }

    @Test func failuresAreRecordedAndTheRunGoesOn() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        // A 400 (not retried), a malformed answer (tried again: the sixth time it fails for good), the rest answered.
        let endpoint = try await StandInEndpoint { request, n in
            if n == 0 { return .status(400, body: #"{"error": {"message": "bad request", "code": "invalid_value"}}"#) }
            if request.userText.hasPrefix("ticket 1 ") || request.userText.hasPrefix("ticket 4 ") { return .malformed("not json") }
            return .answer(Self.label(in: request.userText))
        }
        defer { endpoint.stop() }
        _ = try await QuorumProcess.runAside(["model", "add", "m", "--base-url", endpoint.baseURL, "--model", "m", "--concurrency", "3", "--db", db], in: folder)
        let result = try await QuorumProcess.runAside(["run", "Tickets", "--model", "m", "--json", "--db", db], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONParser.parse(result.stdout)
        let failed = try #require(summary["failed"]?.intValue)
        #expect(failed >= 1 && summary["answered"]?.intValue == 12 - failed)
    }

    @Test func validationItemsAreTheLatestExportsValidationFile() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        let endpoint = try await StandInEndpoint { request, _ in .answer(Self.label(in: request.userText)) }
        defer { endpoint.stop() }
        _ = try await QuorumProcess.runAside(["model", "add", "m", "--base-url", endpoint.baseURL, "--model", "m", "--db", db], in: folder)
        let early = try await QuorumProcess.runAside(["run", "Tickets", "--model", "m", "--items", "validation", "--db", db], in: folder)
        #expect(early.status != 0 && early.stderr.contains("no export yet"), "\(early.stderr)")
        let exported = try await QuorumProcess.runAside(["export", "Tickets", "--validation", "0.4", "--seed", "3", "--out", folder.path("out"), "--db", db], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        let file = try String(contentsOfFile: folder.path("out/validation.jsonl"), encoding: .utf8)
        let inFile = try file.split(separator: "\n").map { try JSONParser.parse(String($0))["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" }
        #expect(inFile.count >= 5)
        let run = try await QuorumProcess.runAside(["run", "Tickets", "--model", "m", "--items", "validation", "--json", "--db", db], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser.parse(run.stdout)["items"]?.intValue == inFile.count)
        #expect(Set(endpoint.requests.map(\.userText)) == Set(inFile))
    }

    @Test func killedRunLosesNothingAnsweredAndResumes() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        // Six seconds for the twelve items: answers are stored every second as they come, so the kill lands mid-run.
        let endpoint = try await StandInEndpoint { request, _ in .slow(1, Self.label(in: request.userText)) }
        defer { endpoint.stop() }
        _ = try await QuorumProcess.runAside(["model", "add", "slow", "--base-url", endpoint.baseURL, "--model", "slow", "--concurrency", "2", "--db", db], in: folder)
        let (process, _, _) = try QuorumProcess.start(["run", "Tickets", "--model", "slow", "--json", "--db", db], in: folder)
        // Wait until a few answers are stored, then kill -9.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let eval = try await QuorumProcess.runAside(["eval", "Tickets", "--run", "1", "--json", "--db", db], in: folder)
            if eval.status == 0, let scored = try? JSONParser.parse(eval.stdout), (scored["accuracy"]?.doubleValue ?? 0) * 12 >= 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let answeredBefore = endpoint.requests.count
        #expect(answeredBefore < 12, "the run was over before the kill")
        // The killed process's hold is still live (it could be a live process gone quiet): a resume waits for it to lapse.
        let early = try await QuorumProcess.runAside(["run", "Tickets", "--resume", "1", "--db", db], in: folder)
        #expect(early.status == 1 && early.stderr.contains("is being driven by another process"), "\(early.stderr)")
        _ = try Shell.sqlite(db, "UPDATE runs SET lease_until = '2000-01-01T00:00:00.000Z'")  // its 30 s passed
        let resumed = try await QuorumProcess.runAside(["run", "Tickets", "--resume", "1", "--json", "--db", db], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try JSONParser.parse(resumed.stdout)["answered"] == 12)
        // Every item was asked at most twice (once more only if its answer was in flight at the kill), and the
        // items stored before the kill not again.
        let texts = endpoint.requests.map(\.userText)
        let counts = Dictionary(texts.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 <= 2 })
        #expect(texts.count < answeredBefore + 12)
        let scored = try JSONParser.parse(try await QuorumProcess.runAside(["eval", "Tickets", "--run", "1", "--json", "--db", db], in: folder).stdout)
        #expect(scored["accuracy"] == 1)
    }

    /// The command line holds the run it drives: cancelled on its runs page (by a server), or taken over by another
    /// process once this one went quiet, the command stops asking, keeps what was answered, and says why; a taken-over
    /// run is not marked ended.
    @Test func aRunCancelledOrTakenOverElsewhereStopsTheCommand() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        let endpoint = try await StandInEndpoint { request, _ in .slow(1, Self.label(in: request.userText)) }
        defer { endpoint.stop() }
        _ = try await QuorumProcess.runAside(["model", "add", "slow", "--base-url", endpoint.baseURL, "--model", "slow", "--concurrency", "1", "--db", db], in: folder)
        func stopped(_ arguments: [String], when change: String) async throws -> (status: Int32, stderr: String) {
            let (process, _, err) = try QuorumProcess.start(arguments + ["--lease", "3", "--db", db], in: folder)
            let asked = endpoint.requests.count
            let deadline = Date().addingTimeInterval(30)
            while endpoint.requests.count < asked + 2, process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            _ = try Shell.sqlite(db, change)
            let changedAt = endpoint.requests.count
            process.waitUntilExit()
            // Renewed every second: one or two more asked after the change (one in flight, one a second), a few more on
            // a loaded machine; never the rest of the run.
            #expect(endpoint.requests.count - changedAt <= 6)
            return (process.terminationStatus, try String(contentsOfFile: err, encoding: .utf8))
        }
        let cancelled = try await stopped(["run", "Tickets", "--model", "slow"], when: "UPDATE runs SET status = 'cancelled', message = 'cancelled on its page'")
        #expect(cancelled.status == 1 && cancelled.stderr.contains("run 1 was cancelled elsewhere"), "\(cancelled.stderr)")
        #expect(try Shell.sqlite(db, "SELECT status, message FROM runs") == "cancelled|cancelled on its page\n")
        let takenOver = try await stopped(["run", "Tickets", "--resume", "1"], when: "UPDATE runs SET lease_until = '2999-01-01T00:00:00.000Z'")
        #expect(takenOver.status == 1 && takenOver.stderr.contains("run 1 was taken over by another process"), "\(takenOver.stderr)")
        #expect(try Shell.sqlite(db, "SELECT status FROM runs") == "running\n")
        #expect(endpoint.requests.count < 12)
    }

    /// `quorum suggest` for each kind through the stand-in endpoint: classify labels (a share withheld), spans found
    /// in the text, chat drafts; the agreement command then reports the suggesting run.
    @Test func suggestionsForEveryKind() async throws {
        let folder = try TemporaryDirectory()
        let db = try await project(folder)
        let endpoint = try await StandInEndpoint { request, n in
            let text = request.userText
            if text.hasPrefix("ticket") { return .answer(n % 5 == 4 ? "no idea" : Self.label(in: text)) }
            if text.hasPrefix("Ada") { return .answer(#"{"entities": [{"text": "Ada", "type": "person"}, {"text": "Rome", "type": "place"}]}"#) }
            return .answer("a drafted answer")
        }
        defer { endpoint.stop() }
        _ = try await QuorumProcess.runAside(["model", "add", "m", "--base-url", endpoint.baseURL, "--model", "m", "--concurrency", "1", "--db", db], in: folder)
        let classify = try await QuorumProcess.runAside(["suggest", "Tickets", "--model", "m", "--items", "all", "--withhold", "0.2", "--json", "--db", db], in: folder)
        #expect(classify.status == 0, "\(classify.stderr)")
        let counts = try JSONParser.parse(classify.stdout)
        // 30 items, 6 withheld; of the 24 shown, the outputs that name no label suggest nothing.
        #expect(counts["withheld"] == 6)
        let suggested = try #require(counts["suggested"]?.intValue), failed = try #require(counts["failed"]?.intValue)
        #expect(suggested + failed == 24 && failed > 0 && failed < 10)
        let agreement = try JSONParser.parse(try await QuorumProcess.runAside(["agreement", "Tickets", "--json", "--db", db], in: folder).stdout)
        #expect(agreement["model"]?["run"] == counts["run"])
        // The gold labels against the model's where it named one: all right.
        #expect(agreement["model"]?["with_gold"]?["percent"] == 1)

        for (name, kind, labels, line) in [("Entities", "spans", "person,place", #"{"text": "Ada met Ada in Paris"}"#),
                                            ("Replies", "chat", "", #"{"messages": [{"role": "user", "content": "how do I reset my card?"}]}"#)] {
            var create = ["project", "create", "--name", name, "--kind", kind, "--db", db]
            if !labels.isEmpty { create += ["--labels", labels] }
            #expect(try await QuorumProcess.runAside(create, in: folder).status == 0)
            _ = try folder.write("\(name).jsonl", line + "\n")
            #expect(try await QuorumProcess.runAside(["import", name, "\(name).jsonl", "--db", db], in: folder).status == 0)
            let result = try await QuorumProcess.runAside(["suggest", name, "--model", "m", "--json", "--db", db], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try JSONParser.parse(result.stdout)["suggested"] == 1)
        }
        let refused = try await QuorumProcess.runAside(["suggest", "Tickets", "--model", "m", "--withhold", "1", "--db", db], in: folder)
        #expect(refused.status != 0 && refused.stderr.contains("withhold"))
    }
}

