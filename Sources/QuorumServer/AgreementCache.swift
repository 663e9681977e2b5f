import QuorumCore
import QuorumStore

/// A project's agreement figures, shared by the dashboard, the API and the snapshots: worked out again only when
/// something they depend on changed (an answer saved, a gold answer set, the project's settings), and never twice
/// at once — a burst of dashboards waits for the one computation under way and shares its result.
actor AgreementCache {
    private let database: any Store
    private var results: [Int64: (stamp: AgreementStamp, project: Project, value: ProjectAgreement)] = [:]
    private var running: [Int64: Task<ProjectAgreement, Error>] = [:]

    init(database: any Store) { self.database = database }

    func agreement(of project: Project) async throws -> ProjectAgreement {
        let stamp = try await database.agreementStamp(of: project)
        if let cached = results[project.id], cached.stamp == stamp, cached.project == project { return cached.value }
        if let under = running[project.id] { return try await under.value }
        let database = self.database
        let task = Task.detached(priority: .userInitiated) { try await database.agreement(of: project) }
        running[project.id] = task
        defer { running[project.id] = nil }
        let value = try await task.value
        results[project.id] = (stamp, project, value)
        return value
    }
}
