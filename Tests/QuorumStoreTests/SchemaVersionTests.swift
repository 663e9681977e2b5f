import Foundation
import QuorumCore
import QuorumTestSupport
import Testing
@testable import QuorumStore

/// A database a newer quorum migrated is refused by an older one, and left as it is, on both stores: the older
/// binary would not keep up what the newer schema adds.
@Suite struct SchemaVersionTests {
    @Test func aNewerSQLiteSchemaIsRefusedAndLeftAsItIs() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("q.db")
        _ = try AppDatabase(path: path).createProject(name: "Kept", kind: .classify, labels: ["a", "b"])
        try Shell.sqlite(path, "INSERT INTO grdb_migrations VALUES ('v99')")
        let refusal = #expect(throws: StoreError.self) { try AppDatabase(path: path) }
        #expect(refusal?.kind == .conflict)
        #expect(refusal?.description.contains("the database's schema is at version v99, newer than this quorum knows (v") == true)
        #expect(try Shell.sqlite(path, "SELECT identifier FROM grdb_migrations WHERE identifier = 'v99'") == "v99\n")
        try Shell.sqlite(path, "DELETE FROM grdb_migrations WHERE identifier = 'v99'")
        #expect(try AppDatabase(path: path).projectSummaries().map(\.project.name) == ["Kept"])
    }

    @Test func aNewerPostgreSQLSchemaIsRefusedAndLeftAsItIs() async throws {
        let url = try TestPostgres.database()
        let address = try PostgresAddress(url: url)
        try await PostgresServerStore.using(address, connections: 2) { _ in }
        let newer = PostgresSchema.latest + 1
        try TestPostgres.psql(url, "INSERT INTO quorum_schema VALUES (\(newer), '2099-01-01T00:00:00.000Z')")
        let refusal = await #expect(throws: StoreError.self) { try await PostgresServerStore.using(address, connections: 2) { _ in } }
        #expect(refusal?.description.contains("the database's schema is at version \(newer), newer than this quorum knows (\(newer - 1))") == true)
        #expect(try TestPostgres.psql(url, "SELECT COUNT(*) FROM quorum_schema WHERE version = \(newer)") == "1\n")
    }
}
