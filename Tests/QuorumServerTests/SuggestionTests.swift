import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import QuorumCore
import QuorumStore
import QuorumTestSupport
@testable import QuorumServer

/// A model's suggestions through the API: withheld items carry none, every submitted answer records what became of
/// the suggestion shown, the figures follow, and corrected drafts become preference pairs.
@Suite struct SuggestionTests {
    func model(_ fixture: ServerFixture) throws -> Model {
        try fixture.database.addModel(Model(name: "drafter", baseURL: "http://127.0.0.1:9/v1", model: "d", concurrency: 1))
    }

    func outputs(_ ids: [Int64], _ answer: (Int) -> String) -> [RunOutput] {
        ids.enumerated().map { n, id in
            RunOutput(itemID: id, output: answer(n), finishReason: "stop", inputTokens: 1, outputTokens: 1, latencyMs: 1, attempts: 1, error: nil)
        }
    }

    @Test func withheldItemsShowNothingAndOutcomesAreRecorded() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["refund", "card"])
        let lines = (0..<10).map { #"{"text": "ticket \#($0)", "label": ["\#($0 < 6 ? "card" : "refund")"]}"# }.joined(separator: "\n")
        var options = ImportOptions(format: .auto, fileName: "t.jsonl")
        options.asGold = true
        let imported = try fixture.database.importItems(into: project, from: .bytes(Array(lines.utf8)), options: options)
        #expect(imported.committed, "\(imported.text)")
        try fixture.addMembers(["ann1"], to: project)
        let run = try fixture.database.startSuggestions(of: try model(fixture), on: project, items: "all", withhold: 0.3)
        try fixture.database.saveOutputs(outputs(run.itemIDs) { _ in " Card. " }, of: run)
        let counts = try fixture.database.suggestionCounts(of: run)
        #expect((counts.suggested, counts.withheld, counts.failed) == (7, 3, 0))

        try await fixture.app().test(.router) { client in
            let ann1 = try await Client.login(client, "ann1")
            var shown = 0, withheld = 0, rejected = false, rejectedID = 0
            while true {
                let (_, next) = try await ann1.call(client, .get, "/api/projects/\(project.id)/next")
                guard let id = next["item"]?["id"]?.intValue else { break }
                let suggestions = next["item"]?["suggestions"]
                let label: String
                if let labels = suggestions?["labels"] {
                    shown += 1
                    #expect(labels == ["card"] && suggestions?["model"] == "drafter")
                    // The first suggestion shown is turned down; the others taken as they are.
                    label = rejected ? "card" : "refund"
                    if !rejected { rejectedID = id }
                    rejected = true
                } else {
                    // Withheld: nothing at all, not even the model's name.
                    withheld += 1
                    #expect(suggestions == .object([]))
                    label = "card"
                }
                #expect(try await ann1.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "labels": ["\#(label)"], "version": 0}"#).0 == .ok)
            }
            #expect((shown, withheld) == (7, 3))
            // Leads see what became of the suggestion.
            let lead = try await Client.login(client, "lead")
            let (_, answers) = try await lead.call(client, .get, "/api/items/\(rejectedID)/annotations")
            #expect(answers.arrayValue?.first?["suggestion_outcome"] == "rejected")
        }
        let figures = try #require(try fixture.database.suggestionFigures(of: project).first)
        #expect(figures.run == run.id)
        #expect(figures.acceptance.first?.share.map { abs($0 - 6.0 / 7) < 1e-12 } == true)
        #expect(figures.shown.items == 7 && figures.withheld.items == 3)
        #expect(figures.shown.agreement.percent.map { abs($0 - 6.0 / 7) < 1e-12 } == true)
        #expect(figures.withheld.agreement.percent == 1)
        // The gold answers: card on six of ten, as the model said on all.
        #expect(figures.withGold.percent.map { abs($0 - 0.6) < 1e-12 } == true)
    }

    @Test func correctedDraftsArePreferredOverThem() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Replies", kind: .chat)
        let lines = (0..<12).map { #"{"messages": [{"role": "user", "content": "question \#($0)"}]}"# }.joined(separator: "\n")
        _ = try fixture.database.importItems(into: project, from: .bytes(Array(lines.utf8)), options: ImportOptions(format: .chat, fileName: "c.jsonl"))
        try fixture.addMembers(["ann1"], to: project)
        let run = try fixture.database.startSuggestions(of: try model(fixture), on: project, items: "unanswered")
        try fixture.database.saveOutputs(outputs(run.itemIDs) { "draft \($0)" }, of: run)
        try await fixture.app().test(.router) { client in
            let ann1 = try await Client.login(client, "ann1")
            var first = true
            while true {
                let (_, next) = try await ann1.call(client, .get, "/api/projects/\(project.id)/next")
                guard let id = next["item"]?["id"]?.intValue else { break }
                var messages = try #require(next["item"]?["suggestions"]?["messages"]?.arrayValue)
                #expect(messages.last?["content"]?.stringValue?.hasPrefix("draft") == true)
                // The draft rendered is the draft's, not the imported conversation's.
                #expect(next["item"]?["rendered"]?.arrayValue?.count == 2)
                if first {
                    // Accepted as it is: no conversation sent, the draft is the answer.
                    #expect(try await ann1.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "decision": "accept", "version": 0}"#).0 == .ok)
                    first = false
                    continue
                }
                messages[1] = ["role": "assistant", "content": .string("Corrected: " + (messages[1]["content"]?.stringValue ?? ""))]
                let body: JSONValue = ["status": "submitted", "decision": "accept", "messages": .array(messages), "version": 0]
                #expect(try await ann1.call(client, .put, "/api/items/\(id)/annotation", body.jsonText).0 == .ok)
            }
            let lead = try await Client.login(client, "lead")
            let (status, result) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "dpo", "validation": 0}"#)
            #expect(status == .created, "\(result)")
            #expect(result["report"]?["counts"]?["train"] == 11)
            let exportID = try #require(result["export"]?.intValue)
            let train = try await client.execute(uri: "/api/exports/\(exportID)/files/train.jsonl", method: .get, headers: [.cookie: lead.cookie]) { String(buffer: $0.body) }
            let pairs = train.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            #expect(pairs.count == 11)
            #expect(pairs.allSatisfy { pair in
                let preferred = pair["preferred_output"]?.arrayValue?.first?["content"]?.stringValue ?? ""
                let other = pair["non_preferred_output"]?.arrayValue?.first?["content"]?.stringValue ?? ""
                return preferred == "Corrected: " + other && other.hasPrefix("draft")
            })
            // The supervised file takes all twelve, the accepted draft included.
            let (sft, sftResult) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "openai-chat", "validation": 0}"#)
            #expect(sft == .created && sftResult["report"]?["counts"]?["train"] == 12)
        }
        let figures = try #require(try fixture.database.suggestionFigures(of: project).first)
        #expect(figures.acceptance.first?.share.map { abs($0 - 1.0 / 12) < 1e-12 } == true)
        #expect(figures.withAnnotators.first?.agreement.meanDistance.map { $0 > 0 } == true)
    }
}
