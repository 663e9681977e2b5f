import Foundation
import Logging
import QuorumCore
import QuorumStore
import QuorumTestSupport
import Testing
@testable import QuorumServer

@Suite struct RunManagerTests {
    /// Two starts of one run at the same moment (a resume clicked twice): one drives it, the other is told it runs
    /// already, and the endpoint is asked for each item once.
    @Test func aRunStartedTwiceAtOnceAsksEachItemOnce() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["a", "b"])
        let file = try fixture.folder.write("items.txt", (0..<12).map { "ticket \($0)" }.joined(separator: "\n") + "\n")
        _ = try fixture.database.importItems(into: project, from: .file(file), options: ImportOptions(fileName: "items.txt"))
        let endpoint = try await StandInEndpoint { _, _ in .slow(0.1, "a") }
        defer { endpoint.stop() }
        let model = try fixture.database.addModel(Model(name: "m", baseURL: endpoint.baseURL, model: "m"))
        let run = try fixture.database.startRun(of: model, on: project, selection: "all",
                                                itemIDs: try fixture.database.itemIDs(in: project, selection: "all"))
        try fixture.database.finishRun(run, status: .stopped, message: "the endpoint was down")
        let runs = RunManager(database: fixture.database, lease: .seconds(30), logger: Logger(label: "runs"))
        @Sendable func start() async -> Bool {
            do { try await runs.start(run, in: project, resuming: true); return true } catch { return false }
        }
        async let first = start(), second = start()
        #expect(await [first, second].filter { $0 }.count == 1)
        let deadline = Date().addingTimeInterval(30)
        while try fixture.database.run(run.id)?.status == .running, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try fixture.database.run(run.id)?.answered == 12)
        #expect(endpoint.requests.count == 12)
    }
}
