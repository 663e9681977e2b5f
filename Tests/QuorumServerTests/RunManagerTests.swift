import Foundation
import Logging
import QuorumCore
import QuorumStore
import QuorumTestSupport
import Testing
@testable import QuorumServer

@Suite struct RunManagerTests {
    /// A project of `count` tickets and a run of model `m` over them all, through a stand-in endpoint that answers each
    /// in a tenth of a second, `concurrency` at a time.
    func ticketsRun(_ fixture: ServerFixture, count: Int, concurrency: Int) async throws -> (Project, Run, StandInEndpoint) {
        let project = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["a", "b"])
        let file = try fixture.folder.write("items.txt", (0..<count).map { "ticket \($0)" }.joined(separator: "\n") + "\n")
        _ = try fixture.database.importItems(into: project, from: .file(file), options: ImportOptions(fileName: "items.txt"))
        let endpoint = try await StandInEndpoint { _, _ in .slow(0.1, "a") }
        let model = try fixture.database.addModel(Model(name: "m", baseURL: endpoint.baseURL, model: "m", concurrency: concurrency))
        let run = try fixture.database.startRun(of: model, on: project, selection: "all",
                                                itemIDs: try fixture.database.itemIDs(in: project, selection: "all"))
        return (project, run, endpoint)
    }

    /// Two starts of one run at the same moment (a resume clicked twice): one drives it, the other is told it runs
    /// already, and the endpoint is asked for each item once.
    @Test func aRunStartedTwiceAtOnceAsksEachItemOnce() async throws {
        let fixture = try ServerFixture()
        let (project, run, endpoint) = try await ticketsRun(fixture, count: 12, concurrency: 8)
        defer { endpoint.stop() }
        try fixture.database.finishRun(run, status: .stopped, message: "the endpoint was down")
        let runs = RunManager(database: fixture.database, lease: .seconds(30), logger: Logger(label: "runs"))
        @Sendable func start() async -> Bool {
            do { try await runs.start(run, in: project); return true } catch { return false }
        }
        async let first = start(), second = start()
        #expect(await [first, second].filter { $0 }.count == 1)
        let deadline = Date().addingTimeInterval(30)
        while try fixture.database.run(run.id)?.status == .running, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try fixture.database.run(run.id)?.answered == 12)
        #expect(endpoint.requests.count == 12)
    }

    /// A server that went quiet past its hold (its run taken over by another process meanwhile) stops asking as soon as
    /// it finds its hold lost, and leaves the run running for its new holder rather than marking it ended.
    @Test func aRunTakenOverElsewhereStopsHereAndStaysRunning() async throws {
        let fixture = try ServerFixture()
        let (project, run, endpoint) = try await ticketsRun(fixture, count: 40, concurrency: 1)
        defer { endpoint.stop() }
        let runs = RunManager(database: fixture.database, lease: .milliseconds(600), logger: Logger(label: "runs"))
        try await runs.start(run, in: project)
        while endpoint.requests.count < 3 { try await Task.sleep(for: .milliseconds(20)) }
        _ = try Shell.sqlite(fixture.folder.path("q.db"), "UPDATE runs SET lease_until = '2999-01-01T00:00:00.000Z'")  // another process's hold
        let deadline = Date().addingTimeInterval(30)
        while runs.drives(run.id), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!runs.drives(run.id))
        #expect(endpoint.requests.count < 40)
        #expect(try fixture.database.run(run.id)?.status == .running)
    }
}
