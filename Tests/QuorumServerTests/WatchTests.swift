import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import QuorumCore
import QuorumStore
import QuorumTestSupport
@testable import QuorumServer

/// A service sends production samples with an ingest token; judges rate them blind; the lead reads the trend.
@Suite struct WatchTests {
    static func sample(_ n: Int, model: String, at: String) -> String {
        #"{"messages": [{"role": "user", "content": "question \#(n)"}, {"role": "assistant", "content": "answer \#(n)"}], "model": "\#(model)", "at": "\#(at)", "meta": {"region": "\#(n % 2 == 0 ? "eu" : "us")"}}"#
    }

    @Test func samplesInJudgedBlindAndTheTrendOut() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createWatchProject(name: "Support bot", scale: .passFail, alertBelow: 0.8)
        try fixture.addMembers(["ann1"], to: project)
        let lead = try #require(try fixture.database.user(named: "lead"))
        let token = try fixture.database.createToken(name: "bot", user: lead, project: project, scope: .ingest).text
        try await fixture.app().test(.router) { client in
            func send(_ body: String) async throws -> (HTTPResponse.Status, JSONValue) {
                try await client.execute(uri: "/api/projects/\(project.id)/samples", method: .post,
                                         headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                         body: ByteBuffer(string: body)) { ($0.status, try JSONParser.parse(String(buffer: $0.body))) }
            }
            // Ten good samples in each of two weeks from v3, and three bad ones named by index and field.
            var samples = (0..<10).map { Self.sample($0, model: "ft:v3", at: "2026-11-03T10:00:00Z") }
            samples += (10..<20).map { Self.sample($0, model: "ft:v3", at: "2026-11-10T10:00:00+01:00") }
            samples.append(#"{"messages": [{"role": "user", "content": "no answer"}], "model": "ft:v3", "at": "2026-11-10T10:00:00Z"}"#)
            samples.append(#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "at": "2026-11-10T10:00:00Z"}"#)
            samples.append(#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "model": "x", "at": "yesterday"}"#)
            let (status, counts) = try await send(#"{"samples": [\#(samples.joined(separator: ","))]}"#)
            #expect(status == .accepted)
            #expect(counts["received"] == 23 && counts["kept"] == 20 && counts["duplicates"] == 0)
            #expect(counts["rejected"]?.arrayValue?.map { $0["field"]?.stringValue ?? "" } == ["samples[20].messages", "samples[21].model", "samples[22].at"])
            // The same again: folded.
            let (_, again) = try await send(#"{"samples": [\#(Self.sample(0, model: "ft:v4", at: "2026-11-10T10:00:00Z"))]}"#)
            #expect(again["kept"] == 0 && again["duplicates"] == 1)

            // Judged blind: no version, no time; the first week passes, the second fails on all but two.
            let judge = try await Client.login(client, "ann1")
            var failed: [Int] = []
            while true {
                let raw = try await client.execute(uri: "/api/projects/\(project.id)/next", method: .get, headers: judge.headers()) { String(buffer: $0.body) }
                guard !raw.isEmpty else { break }
                #expect(!raw.contains("ft:v3") && !raw.contains("2026-11"))
                let next = try JSONParser.parse(raw)
                let id = try #require(next["item"]?["id"]?.intValue)
                let n = Int(next["item"]?["input"]?["response"]?.stringValue?.split(separator: " ").last ?? "") ?? 0
                let rating = n < 10 || n >= 18 ? "pass" : "fail"
                if rating == "fail" { failed.append(id) }
                #expect(try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "rating": "\#(rating)"}"#).0 == .ok)
            }
            let session = try await Client.login(client, "lead")
            let (_, trend) = try await session.call(client, .get, "/api/projects/\(project.id)/watch?by=week")
            let periods = try #require(trend["periods"]?.arrayValue)
            #expect(periods.map { $0["start"]?.stringValue ?? "" } == ["2026-11-02", "2026-11-09"])
            #expect(periods.map { $0["rate"] } == [1, 0.2])
            #expect(periods[1]["p_value"]?.doubleValue.map { $0 < 0.001 } == true)
            #expect(trend["alerts"]?.arrayValue?.first?["version"] == "ft:v3")
            let (_, regions) = try await session.call(client, .get, "/api/projects/\(project.id)/watch?by=month&category=region")
            #expect(regions["periods"]?.arrayValue?.compactMap { $0["category"]?.stringValue } == ["eu", "us"])
            let page = try await client.execute(uri: "/projects/\(project.id)/watch", method: .get, headers: [.cookie: session.cookie]) { String(buffer: $0.body) }
            #expect(page.contains("<svg class=\"watch-chart\"") && page.contains("ft:v3") && page.contains("role=\"alert\""))
            // Two failures corrected on their item pages become training data: the correction, and it over the answer served.
            for id in failed.prefix(2) {
                let status = try await client.execute(uri: "/items/\(id)/correction", method: .post,
                                                      headers: [.cookie: session.cookie, .contentType: "application/x-www-form-urlencoded"],
                                                      body: ByteBuffer(string: "csrf=\(session.csrf)&answer=Fixed+answer+\(id)")) { $0.status }
                #expect(status == .seeOther)
            }
            let corrected = try await client.execute(uri: "/items/\(failed[0])", method: .get, headers: [.cookie: session.cookie]) { String(buffer: $0.body) }
            #expect(corrected.contains("Fixed answer \(failed[0])"))
            for format in ["openai-chat", "dpo"] {
                let (made, result) = try await session.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "\#(format)", "validation": 0}"#)
                #expect(made == .unprocessableContent, "\(result)")  // two examples: under the ten the fine-tuning APIs need
                #expect(result["error"]?["message"]?.stringValue?.contains("2 examples") == true)
            }
            // Ingest tokens only send; samples go to watch projects only.
            #expect(try await client.execute(uri: "/api/projects/\(project.id)/watch", method: .get, headers: [.authorization: "Bearer \(token)"]) { $0.status } == .forbidden)
        }
        let other = try fixture.database.createProject(name: "Plain", kind: .chat)
        #expect(throws: StoreError.self) { try fixture.database.addSamples([], to: other) }
    }

    @Test func theSampleRateKeepsASteadyShare() throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createWatchProject(name: "Half", scale: .oneToFive, sampleRate: 0.5)
        let body = try JSONParser.parse(#"{"samples": [\#((0..<400).map { Self.sample($0, model: "m", at: "2026-11-30T10:00:00Z") }.joined(separator: ","))]}"#)
        guard case .success(let decoded) = WatchSample.decode(body) else { Issue.record("decode failed"); return }
        let first = try fixture.database.addSamples(decoded.good.map(\.1), to: project)
        // 400 fair draws at one half: 4.5 standard deviations either side of 200.
        #expect((155...245).contains(first.kept), "\(first.kept) kept")
        #expect(first.kept + first.sampledOut == 400)
        // The same samples again: the same ones kept (now duplicates), the same ones left out.
        let second = try fixture.database.addSamples(decoded.good.map(\.1), to: project)
        #expect(second.kept == 0 && second.duplicates == first.kept && second.sampledOut == first.sampledOut)
    }

    @Test func correctedFailuresExportAsTrainingData() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createWatchProject(name: "Fixes", scale: .passFail)
        try fixture.addMembers(["ann1"], to: project)
        let body = try JSONParser.parse(#"{"samples": [\#((0..<12).map { Self.sample($0, model: "v1", at: "2026-11-30T10:00:00Z") }.joined(separator: ","))]}"#)
        guard case .success(let decoded) = WatchSample.decode(body) else { Issue.record("decode failed"); return }
        _ = try fixture.database.addSamples(decoded.good.map(\.1), to: project)
        let lead = try #require(try fixture.database.user(named: "lead"))
        try await fixture.app().test(.router) { client in
            let judge = try await Client.login(client, "ann1")
            while true {
                let (_, next) = try await judge.call(client, .get, "/api/projects/\(project.id)/next")
                guard let id = next["item"]?["id"]?.intValue else { break }
                #expect(try await judge.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "version": 0, "rating": "fail"}"#).0 == .ok)
                // The last one is left as it was served.
                if id != 12 { try fixture.database.correctSample(itemID: Int64(id), answer: "Better answer \(id)", by: lead) }
            }
            let session = try await Client.login(client, "lead")
            let (made, result) = try await session.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "dpo", "validation": 0}"#)
            #expect(made == .created, "\(result)")
            #expect(result["report"]?["counts"]?["train"] == 11)
            #expect(result["report"]?["excluded"]?["by_reason"] == ["no corrected answer": 1])
            let exportID = try #require(result["export"]?.intValue)
            let train = try await client.execute(uri: "/api/exports/\(exportID)/files/train.jsonl", method: .get, headers: [.cookie: session.cookie]) { String(buffer: $0.body) }
            let lines = train.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            #expect(lines.count == 11 && lines.allSatisfy { line in
                line["preferred_output"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("Better answer") == true
                    && line["non_preferred_output"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("answer ") == true
                    && line["input"]?["messages"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("question") == true
            })
            let (sft, sftResult) = try await session.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "openai-chat", "validation": 0}"#)
            #expect(sft == .created && sftResult["report"]?["counts"]?["train"] == 11)
        }
    }
}

