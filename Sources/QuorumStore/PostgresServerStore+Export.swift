import Foundation
import QuorumCore

/// What an export reads and records, for the server's exports and for everything that reads a whole project
/// (agreement, evaluation, review): each call on a connection of its own, made for it and closed after, read
/// through `PostgresStore`'s cursors. These calls wait for their results, so they run on threads of their own
/// (an export's, or `Blocking.onThread`), never on the threads async code runs on.
extension PostgresServerStore: ExportStore {
    private func exporting<T>(_ body: (PostgresStore) throws -> T) throws -> T {
        let address = self.address
        let store = try Blocking.wait { try await PostgresStore.open(address) }
        defer { _ = try? Blocking.wait { await store.close() } }
        return try body(store)
    }

    public func project(_ reference: String) throws -> Project? {
        try exporting { try $0.project(reference) }
    }

    public func projectNames() throws -> [String] {
        try exporting { try $0.projectNames() }
    }

    public func itemCount(of project: Project) throws -> Int {
        try exporting { try $0.itemCount(of: project) }
    }

    public func forEachStoredItem(in project: Project, answeredOnly: Bool, withInputs: Bool, batchSize: Int,
                                  _ body: ([StoredItem]) throws -> Void) throws {
        try exporting { try $0.forEachStoredItem(in: project, answeredOnly: answeredOnly, withInputs: withInputs, batchSize: batchSize, body) }
    }

    public func holdOut(_ plan: ExportPlan, in project: Project) throws {
        try exporting { try $0.holdOut(plan, in: project) }
    }

    public func recordExport(of project: Project, settings: ExportSettings, report: ExportReport, directory: String, by user: User?,
                             sideFiles: [String]) throws -> Int64 {
        try exporting { try $0.recordExport(of: project, settings: settings, report: report, directory: directory, by: user, sideFiles: sideFiles) }
    }
}
