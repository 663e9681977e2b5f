import Foundation
import QuorumCore
import QuorumTestSupport
import Testing
@testable import QuorumStore

/// A run is held by one process at a time: taken over only once its hold lapses, by one taker; the process that
/// went quiet then finds its hold lost — on SQLite and on PostgreSQL alike.
@Suite struct RunLeaseTests {
    static func inAMinute() -> Date { Date().addingTimeInterval(60) }

    func lapsedRunsAreTakenOnce(_ store: any Store) async throws {
        let project = try await store.createProject(name: "Runs", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                    guidelines: "")
        let model = try await store.addModel(Model(name: "m", baseURL: "http://127.0.0.1:9/v1", model: "m"))
        let held = try await store.startRun(of: model, on: project, selection: "all", itemIDs: [])
        let unheld = try await store.startRun(of: model, on: project, selection: "all", itemIDs: [])  // as a version before holds left one
        let first = Self.inAMinute(), quiet = Date().addingTimeInterval(-1)
        #expect(try await store.resumeRun(held, holdUntil: first))                       // a new run is free to take
        #expect(try await store.takeLapsedRuns(until: Self.inAMinute()).isEmpty)        // still held; the unheld one is never taken
        #expect(try await store.holdRun(held, held: first, until: quiet))                // its process went quiet
        let second = Self.inAMinute()
        let taken = try await store.takeLapsedRuns(until: second)
        #expect(taken.map(\.id) == [held.id])
        #expect(try await store.takeLapsedRuns(until: Self.inAMinute()).isEmpty)        // taken once
        #expect(try await !store.holdRun(held, held: quiet, until: Self.inAMinute()))    // the quiet process finds its hold lost
        #expect(try await store.holdRun(held, held: second, until: Self.inAMinute()))    // the taker renews it
        try await store.finishRun(held, status: .cancelled, message: "cancelled")
        #expect(try await !store.holdRun(held, held: second, until: Self.inAMinute()))   // cancelled elsewhere: let go
        #expect(try await store.resumeRun(unheld, holdUntil: Self.inAMinute()))         // a run no process holds is resumed
    }

    /// A run that ended is resumed by one process only (a server, or the command line): the first holds it at once,
    /// so a second resume is refused until that hold lapses.
    func aResumeIsRefusedWhileAnotherProcessHoldsTheRun(_ here: any Store, _ elsewhere: any Store) async throws {
        let project = try await here.createProject(name: "Resumed", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                   guidelines: "")
        let model = try await here.addModel(Model(name: "r", baseURL: "http://127.0.0.1:9/v1", model: "r"))
        let run = try await here.startRun(of: model, on: project, selection: "all", itemIDs: [])
        try await here.finishRun(run, status: .stopped, message: "quota")
        let first = Self.inAMinute(), quiet = Date().addingTimeInterval(-1)
        #expect(try await here.resumeRun(run, holdUntil: first))
        #expect(try await elsewhere.run(run.id)?.status == .running)
        #expect(try await !elsewhere.resumeRun(run, holdUntil: Self.inAMinute()))        // held: refused
        #expect(try await here.holdRun(run, held: first, until: quiet))                  // its process went quiet
        #expect(try await elsewhere.resumeRun(run, holdUntil: Self.inAMinute()))         // the lapsed hold is taken
        #expect(try await !here.holdRun(run, held: quiet, until: Self.inAMinute()))      // and the first process lets go
        try await here.finishRun(run, status: .cancelled, message: "cancelled")
        #expect(try await here.resumeRun(run, holdUntil: Self.inAMinute()))
    }

    @Test func onSQLite() async throws {
        let fixture = try StoreFixture()
        try await lapsedRunsAreTakenOnce(fixture.database)
        try await aResumeIsRefusedWhileAnotherProcessHoldsTheRun(fixture.database, fixture.database)
    }

    @Test func onPostgreSQL() async throws {
        let address = try PostgresAddress(url: try TestPostgres.database())
        let store = try await PostgresServerStore.open(address, connections: 2)
        let other = try await PostgresServerStore.open(address, connections: 2)
        try await lapsedRunsAreTakenOnce(store)
        try await aResumeIsRefusedWhileAnotherProcessHoldsTheRun(store, other)
        await store.close()
        await other.close()
    }
}
