import Foundation
import QuorumCore
import QuorumTestSupport
import Testing
@testable import QuorumStore

/// A run is held by one process at a time, by the database's clock: taken over only once its hold lapses, by one
/// taker; the process that went quiet then finds its hold lost — on SQLite and on PostgreSQL alike.
@Suite struct RunLeaseTests {
    func lapsedRunsAreTakenOnce(_ store: any Store) async throws {
        let project = try await store.createProject(name: "Runs", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                    guidelines: "")
        let model = try await store.addModel(Model(name: "m", baseURL: "http://127.0.0.1:9/v1", model: "m"))
        let held = try await store.startRun(of: model, on: project, selection: "all", itemIDs: [])
        let unheld = try await store.startRun(of: model, on: project, selection: "all", itemIDs: [])  // as a version before holds left one
        let first = try await store.resumeRun(held, holdFor: 60)
        #expect(first != nil)                                                            // a new run is free to take
        #expect(try await store.takeLapsedRuns(holdFor: 60).runs.isEmpty)               // still held; the unheld one is never taken
        let quiet = try await store.holdRun(held, held: first ?? "", for: -1)           // its process went quiet
        #expect(quiet != nil)
        let taken = try await store.takeLapsedRuns(holdFor: 60)
        #expect(taken.runs.map(\.id) == [held.id])
        #expect(try await store.takeLapsedRuns(holdFor: 60).runs.isEmpty)               // taken once
        #expect(try await store.holdRun(held, held: quiet ?? "", for: 60) == nil)       // the quiet process finds its hold lost
        let renewed = try await store.holdRun(held, held: taken.held, for: 60)          // the taker renews it
        #expect(renewed != nil)
        try await store.finishRun(held, status: .cancelled, message: "cancelled")
        #expect(try await store.holdRun(held, held: renewed ?? "", for: 60) == nil)     // cancelled elsewhere: let go
        #expect(try await store.resumeRun(unheld, holdFor: 60) != nil)                  // a run no process holds is resumed
    }

    /// A run that ended is resumed by one process only (a server, or the command line): the first holds it at once,
    /// so a second resume is refused until that hold lapses.
    func aResumeIsRefusedWhileAnotherProcessHoldsTheRun(_ here: any Store, _ elsewhere: any Store) async throws {
        let project = try await here.createProject(name: "Resumed", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                   guidelines: "")
        let model = try await here.addModel(Model(name: "r", baseURL: "http://127.0.0.1:9/v1", model: "r"))
        let run = try await here.startRun(of: model, on: project, selection: "all", itemIDs: [])
        try await here.finishRun(run, status: .stopped, message: "quota")
        let first = try await here.resumeRun(run, holdFor: 60)
        #expect(first != nil)
        #expect(try await elsewhere.run(run.id)?.status == .running)
        #expect(try await elsewhere.resumeRun(run, holdFor: 60) == nil)                 // held: refused
        let quiet = try await here.holdRun(run, held: first ?? "", for: -1)             // its process went quiet
        #expect(quiet != nil)
        #expect(try await elsewhere.resumeRun(run, holdFor: 60) != nil)                 // the lapsed hold is taken
        #expect(try await here.holdRun(run, held: quiet ?? "", for: 60) == nil)         // and the first process lets go
        try await here.finishRun(run, status: .cancelled, message: "cancelled")
        #expect(try await here.resumeRun(run, holdFor: 60) != nil)
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
