import QuorumCore

/// Projects: their settings, members, items brought in, and the exports made of them.
public protocol ProjectStore: Sendable {
    func createProject(name: String, kind: ProjectKind, labels: [String], multiLabel: Bool, annotatorsPerItem: Int,
                       guidelines: String) async throws -> Project
    func findProject(_ reference: String) async throws -> Project?
    func project(id: Int64) async throws -> Project?
    /// The project and whether `user` is one of its members, read together (every annotating request asks both).
    func project(id: Int64, member user: User) async throws -> (project: Project, isMember: Bool)?
    func projectSummaries() async throws -> [ProjectSummary]
    func projectSummaries(visibleTo user: User) async throws -> [ProjectSummary]
    func summary(of project: Project) async throws -> ProjectSummary
    func addMember(project: Project, user: User) async throws
    func members(of project: Project) async throws -> [User]
    func updateProject(_ project: Project, labels: [String], multiLabel: Bool, annotatorsPerItem: Int, guidelines: String,
                       systemPrompt: String?, autoGold: String?, spanPatterns: String?, allowsOverlappingSpans: Bool?) async throws -> Project
    func disableSpanPattern(projectID: Int64, pattern: String, reason: String) async throws
    func importItems(into project: Project, from source: ByteSource, options: ImportOptions, userID: Int64?, staged: Bool,
                     progress: ((ImportProgress) -> Void)?) async throws -> ImportSummary
    /// Removes what imports cut off by a stopped server left staged; the number of imports undone.
    func discardUnfinishedImports() async throws -> Int
    func exports(of project: Project) async throws -> [ExportRecord]
    func export(id: Int64) async throws -> ExportRecord?
    func projectOfExport(_ id: Int64) async throws -> Int64?
}
