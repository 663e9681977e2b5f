import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import QuorumCore
import QuorumStore
import QuorumTestSupport
@testable import QuorumServer

/// Judging models' answers blind, through the API: what an annotator gets, what is stored, the results and the
/// preference file that come of it.
@Suite struct JudgingTests {
    /// A classify project of `count` texts and a finished run per model, model m answering item i "answer m i".
    static func sourceWithRuns(_ fixture: ServerFixture, models: [String], count: Int = 12) throws -> (Project, [Run]) {
        let project = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["refund", "card"])
        let text = (0..<count).map { "ticket number \($0)" }.joined(separator: "\n")
        _ = try fixture.database.importItems(into: project, from: .bytes(Array(text.utf8)), options: ImportOptions(format: .text, fileName: "t.txt"))
        let items = try fixture.database.itemIDs(in: project, selection: "all")
        var runs: [Run] = []
        for name in models {
            let model = try fixture.database.addModel(Model(name: name, baseURL: "http://models.example.test/\(name)/v1", model: "\(name)-weights", concurrency: 1))
            let run = try fixture.database.startRun(of: model, on: project, selection: "all", itemIDs: items)
            try fixture.database.saveOutputs(items.enumerated().map { n, id in
                RunOutput(itemID: id, output: "answer \(name) \(n)", finishReason: "stop", inputTokens: 5, outputTokens: 3, latencyMs: 1, attempts: 1, error: nil)
            }, of: run)
            try fixture.database.finishRun(run, status: .finished, message: nil)
            runs.append(run)
        }
        return (project, runs)
    }

    @Test func judgesAreBlindAndTheirVerdictsBecomeResultsAndPreferences() async throws {
        let fixture = try ServerFixture()
        let (source, runs) = try Self.sourceWithRuns(fixture, models: ["basemodel", "tunedmodel"])
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            let create = #"{"kind": "compare", "name": "Which is better", "runs": [\#(runs[0].id), \#(runs[1].id)], "criteria": "correct", "annotators_per_item": 2}"#
            let (made, answer) = try await lead.call(client, .post, "/api/projects/\(source.id)/judging", create)
            #expect(made == .created, "\(answer)")
            #expect(answer["items"] == 12)
            let projectID = try #require(answer["project"]?.intValue)
            let project = try #require(try fixture.database.project(String(projectID)))
            #expect(project.kind == .compare)

            // A lead looking without judging sees the pair in order with the runs' names.
            let (_, preview) = try await lead.call(client, .get, "/api/projects/\(project.id)/next")
            #expect(preview["preview"] == true)
            #expect(preview["item"]?["runs"]?.arrayValue?.first?.stringValue?.contains("basemodel") == true)
            let ann1 = try await Client.login(client, "ann1")
            #expect(try await ann1.call(client, .get, "/api/projects/\(project.id)/next").0 == .forbidden)
            try fixture.addMembers(["ann1", "ann2"], to: project)

            var seen: [Int: Bool] = [:]  // item → was the tuned model's answer on the left for ann1
            for name in ["ann1", "ann2"] {
                let judge = try await Client.login(client, name)
                while true {
                    let raw = try await client.execute(uri: "/api/projects/\(project.id)/next", method: .get, headers: judge.headers()) { String(buffer: $0.body) }
                    guard !raw.isEmpty else { break }
                    // Nothing names a model, an endpoint or a run.
                    for secret in ["basemodel-weights", "tunedmodel-weights", "models.example.test", "run ", "\"runs\"", "run_"] {
                        #expect(!raw.contains(secret), "\(secret) in \(raw)")
                    }
                    let next = try JSONParser.parse(raw)
                    let item = try #require(next["item"])
                    #expect(item.objectValue?.map(\.key) == ["id", "external_id", "input"])
                    #expect(item["input"]?.objectValue?.map(\.key) == ["messages", "responses"])
                    let id = try #require(item["id"]?.intValue)
                    let shown = item["input"]?["responses"]?.arrayValue ?? []
                    let responses = shown.compactMap { $0.stringValue }
                    #expect(responses.count == 2)
                    #expect(item["input"]?["messages"]?.arrayValue?.last?["content"]?.stringValue?.hasPrefix("ticket number") == true)
                    let tunedLeft = responses[0].hasPrefix("answer tunedmodel")
                    if name == "ann1" {
                        seen[id] = tunedLeft
                        // The answer is checked: a choice that is no side, labels, a criterion missing.
                        let (bad, error) = try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "choice": "better"}"#)
                        #expect(bad == .unprocessableContent && error["error"]?["field"] == "choice")
                        #expect(try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "labels": ["a"], "choice": "left", "criteria": {"correct": "tie"}}"#).0 == .unprocessableContent)
                        let (missing, why) = try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "choice": "left"}"#)
                        #expect(missing == .unprocessableContent && why["error"]?["field"] == "criteria.correct")
                    } else {
                        // The sides were drawn for each judge: ann2 may see the pair the other way round.
                        #expect(seen[id] != nil)
                    }
                    // Both prefer the tuned model's answer, wherever it is, and call "correct" a tie.
                    let side = tunedLeft ? "left" : "right"
                    let (ok, saved) = try await judge.call(client, .put, "/api/items/\(id)/annotation",
                                                           #"{"status": "submitted", "version": 0, "choice": "\#(side)", "criteria": {"correct": "tie"}}"#)
                    #expect(ok == .ok, "\(saved)")
                    #expect(saved["choice"]?.stringValue == side && saved["labels"] == nil)
                    let (_, back) = try await judge.call(client, .get, "/api/items/\(id)")
                    #expect(back["annotation"]?["choice"]?.stringValue == side)
                    #expect(back["gold"] == nil)
                }
            }
            #expect(seen.count == 12)

            // Annotators do not read results; leads do, with the runs' names.
            #expect(try await ann1.call(client, .get, "/api/projects/\(project.id)/results").0 == .forbidden)
            let (read, results) = try await lead.call(client, .get, "/api/projects/\(project.id)/results")
            #expect(read == .ok)
            let pair = try #require(results["pairs"]?.arrayValue?.first)
            #expect(pair["a"]?.stringValue == String(runs[0].id) && pair["b"]?.stringValue == String(runs[1].id))
            #expect(pair["votes"] == 24 && pair["wins"] == 0 && pair["losses"] == 24)
            #expect(pair["win_rate"] == 0)
            #expect(results["agreement"]?["percent"] == 1)
            #expect(results["criteria"]?["correct"]?["pairs"]?.arrayValue?.first?["ties"] == 24)
            #expect(results["runs"]?[String(runs[1].id)]?.stringValue?.contains("tunedmodel") == true)
            let leftShare = try #require(results["position"]?["left_share"]?.doubleValue)
            #expect(leftShare > 0 && leftShare < 1)
            let page = try await client.execute(uri: "/projects/\(project.id)/results", method: .get, headers: [.cookie: lead.cookie]) { ($0.status, String(buffer: $0.body)) }
            #expect(page.0 == .ok && page.1.contains("<svg class=\"results-chart\"") && page.1.contains("tunedmodel"))
            let grouped = try await lead.call(client, .get, "/api/projects/\(project.id)/results?by=meta_absent")
            #expect(grouped.1["by"]?["groups"]?.arrayValue?.first?["value"] == "(none)")

            // The agreed judgements as preference pairs: the tuned model's answer preferred, every target's converter fed.
            let (exported, result) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "dpo", "validation": 0}"#)
            #expect(exported == .created, "\(result)")
            #expect(result["report"]?["counts"]?["train"] == 12)
            let exportID = try #require(result["export"]?.intValue)
            let train = try await client.execute(uri: "/api/exports/\(exportID)/files/train.jsonl", method: .get, headers: [.cookie: lead.cookie]) { String(buffer: $0.body) }
            let lines = train.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
            #expect(lines.count == 12)
            #expect(lines.allSatisfy { $0?["preferred_output"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("answer tunedmodel") == true })
            #expect(lines.allSatisfy { $0?["non_preferred_output"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("answer basemodel") == true })
            let trl = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "dpo", "validation": 0, "target": "trl"}"#)
            #expect(trl.0 == .created, "\(trl.1)")
        }
    }

    @Test func ratingsAreStoredOnTheScaleAndAveraged() async throws {
        let fixture = try ServerFixture()
        let (source, runs) = try Self.sourceWithRuns(fixture, models: ["m1", "m2"], count: 4)
        let (project, items) = try fixture.database.createJudgingProject(name: "Rated", kind: .rate, from: source, runs: runs, scale: .oneToFive,
                                                                         criteria: ["clear"])
        #expect(items == 8)
        // The scale is the answers: not a lead's to change.
        #expect(throws: StoreError.self) {
            try fixture.database.updateProject(project, labels: ["bad", "good"], multiLabel: false, annotatorsPerItem: 1, guidelines: "")
        }
        #expect(try fixture.database.updateProject(project, labels: project.labels, multiLabel: false, annotatorsPerItem: 2, guidelines: "g").annotatorsPerItem == 2)
        try fixture.addMembers(["ann1"], to: project)
        try await fixture.app().test(.router) { client in
            let judge = try await Client.login(client, "ann1")
            while true {
                let (_, next) = try await judge.call(client, .get, "/api/projects/\(project.id)/next")
                guard let id = next["item"]?["id"]?.intValue else { break }
                let text = try #require(next["item"]?["input"]?["response"]?.stringValue)
                #expect(try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "rating": 9, "criteria": {"clear": 3}}"#).0 == .unprocessableContent)
                let rating = text.hasPrefix("answer m2") ? 5 : 2
                let (ok, saved) = try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "rating": \#(rating), "criteria": {"clear": "3"}}"#)
                #expect(ok == .ok && saved["rating"]?.stringValue == String(rating))
            }
            let lead = try await Client.login(client, "lead")
            let (_, results) = try await lead.call(client, .get, "/api/projects/\(project.id)/results")
            let rows = try #require(results["ratings"]?.arrayValue)
            #expect(rows.map { $0["criterion"]?.stringValue ?? "" } == ["overall", "clear", "overall", "clear"])
            #expect(rows[0]["mean"] == 2 && rows[2]["mean"] == 5 && rows[1]["mean"] == 3)
            #expect(rows[0]["ratings"] == 4)
            // A rating project is not training data.
            let (refused, why) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "openai-chat"}"#)
            #expect(refused == .unprocessableContent && why["error"]?["message"]?.stringValue?.contains("results") == true)
        }
    }

    @Test func sidesAreDrawnNearHalfAndHalfAndKept() async throws {
        let fixture = try ServerFixture()
        let (source, runs) = try Self.sourceWithRuns(fixture, models: ["x", "y"], count: 1_000)
        let (project, _) = try fixture.database.createJudgingProject(name: "Sides", kind: .compare, from: source, runs: runs)
        let judge = try #require(try fixture.database.user(named: "ann1"))
        let items = try (1...2_000).map(Int64.init).filter { try fixture.database.item(id: $0)?.1.id == project.id }
        #expect(items.count == 1_000)
        var left = 0
        for id in items where try await fixture.database.side(itemID: id, for: judge) { left += 1 }
        // 1,000 fair draws: 4.4 standard deviations either side of 500.
        #expect((430...570).contains(left), "\(left) of 1000 on the left")
        var again = 0
        for id in items where try await fixture.database.side(itemID: id, for: judge) { again += 1 }
        #expect(again == left)
    }
}
