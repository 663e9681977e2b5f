import Foundation
import QuorumCore
import QuorumTestSupport
import Testing
@testable import QuorumStore

/// A run held by a server is taken over only once its hold lapses, by one taker, and never one resumed from the
/// command line (held by nobody) — on SQLite and on PostgreSQL alike.
@Suite struct RunLeaseTests {
    func lapsedRunsAreTakenOnce(_ store: any Store) async throws {
        let project = try await store.createProject(name: "Runs", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                    guidelines: "")
        let model = try await store.addModel(Model(name: "m", baseURL: "http://127.0.0.1:9/v1", model: "m"))
        let held = try await store.startRun(of: model, on: project, selection: "all", itemIDs: [])
        _ = try await store.startRun(of: model, on: project, selection: "all", itemIDs: [])  // as the command line starts one: held by nobody
        #expect(try await store.holdRun(held, until: Date().addingTimeInterval(60)))
        #expect(try await store.takeLapsedRuns(until: Date().addingTimeInterval(60)).isEmpty)  // still held
        #expect(try await store.holdRun(held, until: Date().addingTimeInterval(-1)))           // its server went quiet
        let taken = try await store.takeLapsedRuns(until: Date().addingTimeInterval(60))
        #expect(taken.map(\.id) == [held.id])                                                    // not the run held by nobody
        #expect(try await store.takeLapsedRuns(until: Date().addingTimeInterval(60)).isEmpty)  // taken once
        try await store.finishRun(held, status: .cancelled, message: "cancelled")
        #expect(try await !store.holdRun(held, until: Date().addingTimeInterval(60)))           // cancelled elsewhere: let go
    }

    /// A run that ended is resumed by one server only: the first holds it at once, so a second resume (another
    /// server, the command line) is refused until that hold lapses. A run the command line drives is left to it by
    /// servers until it is cancelled.
    func aResumeIsRefusedWhileAServerHoldsTheRun(_ here: any Store, _ elsewhere: any Store) async throws {
        let project = try await here.createProject(name: "Resumed", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                   guidelines: "")
        let model = try await here.addModel(Model(name: "r", baseURL: "http://127.0.0.1:9/v1", model: "r"))
        let run = try await here.startRun(of: model, on: project, selection: "all", itemIDs: [])
        try await here.finishRun(run, status: .stopped, message: "quota")
        #expect(try await here.resumeRun(run, holdUntil: Date().addingTimeInterval(60)))
        #expect(try await elsewhere.run(run.id)?.status == .running)
        #expect(try await !elsewhere.resumeRun(run, holdUntil: Date().addingTimeInterval(60)))  // held: refused
        #expect(try await !elsewhere.resumeRun(run, holdUntil: nil))                             // from the command line too
        #expect(try await here.holdRun(run, until: Date().addingTimeInterval(-1)))              // its server went quiet
        #expect(try await elsewhere.resumeRun(run, holdUntil: nil))                              // the command line takes it
        #expect(try await !here.resumeRun(run, holdUntil: Date().addingTimeInterval(60)))       // a server leaves it alone
        try await here.finishRun(run, status: .cancelled, message: "cancelled")
        #expect(try await here.resumeRun(run, holdUntil: Date().addingTimeInterval(60)))
    }

    @Test func onSQLite() async throws {
        let fixture = try StoreFixture()
        try await lapsedRunsAreTakenOnce(fixture.database)
        try await aResumeIsRefusedWhileAServerHoldsTheRun(fixture.database, fixture.database)
    }

    @Test func onPostgreSQL() async throws {
        let address = try PostgresAddress(url: try TestPostgres.database())
        let store = try await PostgresServerStore.open(address, connections: 2)
        let other = try await PostgresServerStore.open(address, connections: 2)
        try await lapsedRunsAreTakenOnce(store)
        try await aResumeIsRefusedWhileAServerHoldsTheRun(store, other)
        await store.close()
        await other.close()
    }
}
