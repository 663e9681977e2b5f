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

    @Test func onSQLite() async throws {
        try await lapsedRunsAreTakenOnce(try StoreFixture().database)
    }

    @Test func onPostgreSQL() async throws {
        let store = try await PostgresServerStore.open(try PostgresAddress(url: try TestPostgres.database()), connections: 2)
        try await lapsedRunsAreTakenOnce(store)
        await store.close()
    }
}
