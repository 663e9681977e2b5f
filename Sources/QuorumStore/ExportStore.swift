import QuorumCore

/// What an export reads and records, from whichever database holds the project: SQLite (`AppDatabase`) or
/// PostgreSQL (`PostgresStore`). The export reads every item once, in item order, from one snapshot.
public protocol ExportStore: Sendable {
    /// A project by id, name or slug.
    func project(_ reference: String) throws -> Project?
    /// The projects' ids and names, for a message saying which exist.
    func projectNames() throws -> [String]
    /// How many items the project holds (the progress bar's total, and room made at once for the records).
    func itemCount(of project: Project) throws -> Int
    /// Every item of a project (`answeredOnly`: those with a submitted answer or gold) with its submitted answers,
    /// oldest first, and gold, in item order, `batchSize` at a time, all read from one snapshot.
    func forEachStoredItem(in project: Project, answeredOnly: Bool, withInputs: Bool, batchSize: Int, _ body: ([StoredItem]) throws -> Void) throws
    /// Keeps the items `plan` drew in the hold-out set for good; `ExportError.holdoutChanged` when the set is no
    /// longer what the plan read (another draw came between), and nothing is kept.
    func holdOut(_ plan: ExportPlan, in project: Project) throws
    /// Keeps the items the export drew into the hold-out set there, and records the export, in one transaction.
    func recordExport(of project: Project, settings: ExportSettings, report: ExportReport, directory: String, by user: User?,
                      sideFiles: [String]) throws -> Int64
}

extension ExportStore {
    /// Like `project(_:)`, but says what exists when nothing matches.
    public func requireProject(_ reference: String) throws -> Project {
        if let project = try project(reference) { return project }
        throw StoreError.noProject(reference, among: try projectNames())
    }
}

extension StoreError {
    /// No project goes by `reference`: the error says which do (`names`: "id name").
    static func noProject(_ reference: String, among names: [String]) -> StoreError {
        let known = names.isEmpty ? "there are no projects yet (quorum project create)" : "projects: " + names.joined(separator: ", ")
        return StoreError(.notFound, "no project \"\(reference)\"; \(known)")
    }
}

extension AppDatabase {
    public func itemCount(of project: Project) throws -> Int {
        try summary(of: project).items
    }
}

extension ExportStore {
    /// `forEachStoredItem` in batches of 4,096, every item with its input unless asked otherwise.
    func forEachStoredItem(in project: Project, answeredOnly: Bool = false, withInputs: Bool = true, _ body: ([StoredItem]) throws -> Void) throws {
        try forEachStoredItem(in: project, answeredOnly: answeredOnly, withInputs: withInputs, batchSize: 4_096, body)
    }
}
