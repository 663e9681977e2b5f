import Foundation
import QuorumCore
import QuorumTestSupport
import Testing
@testable import QuorumStore

/// One export of a project at a time, its progress told, its claim lapsing when its process stops telling: two
/// processes on one database (a server and `quorum export` on a SQLite file, two servers on PostgreSQL) see one claim.
@Suite struct ExportsUnderWayTests {
    func oneExportAtATime(_ here: any ExportsUnderWay, _ elsewhere: any ExportsUnderWay, project: Int64) async throws {
        func told() async throws -> [Int]? { try await elsewhere.exportUnderWay(of: project).map { [$0.done, $0.total] } }
        #expect(try await told() == nil)
        let claim = try #require(try await here.beginExport(of: project, total: 100, lease: 60))
        #expect(try await elsewhere.beginExport(of: project, total: 100, lease: 60) == nil)  // held
        #expect(try await told() == [0, 100])
        try await here.exportProgressed(of: project, claim: claim, done: 40, total: 100, lease: 60)
        #expect(try await told() == [40, 100])
        try await elsewhere.endExport(of: project, claim: UUID().uuidString)
        #expect(try await told() == [40, 100])  // only the claim's own token lets it go
        try await here.endExport(of: project, claim: claim)
        #expect(try await told() == nil)

        // A claim not renewed within its lease (its server stopped) lapses: another export takes the project, and
        // the stopped export's late reports change nothing of it.
        let stopped = try #require(try await here.beginExport(of: project, total: 100, lease: -1))
        #expect(try await told() == nil)
        let taken = try #require(try await elsewhere.beginExport(of: project, total: 200, lease: 60))
        try await here.exportProgressed(of: project, claim: stopped, done: 99, total: 100, lease: 60)
        try await here.endExport(of: project, claim: stopped)
        #expect(try await told() == [0, 200])
        try await elsewhere.endExport(of: project, claim: taken)
        #expect(try await told() == nil)
    }

    @Test func inSQLiteAcrossProcesses() async throws {
        let folder = try TemporaryDirectory()
        let one = try AppDatabase(path: folder.path("q.db")), two = try AppDatabase(path: folder.path("q.db"))
        let project = try one.createProject(name: "Exported", kind: .classify, labels: ["a"])
        try await oneExportAtATime(one, two, project: project.id)
    }

    @Test func inPostgreSQLAcrossServers() async throws {
        let address = try PostgresAddress(url: try TestPostgres.database())
        let one = try await PostgresServerStore.open(address, connections: 2)
        let two = try await PostgresServerStore.open(address, connections: 2)
        let project = try await one.createProject(name: "Exported", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1,
                                                  guidelines: "")
        try await oneExportAtATime(one, two, project: project.id)
        await one.close()
        await two.close()
    }
}
