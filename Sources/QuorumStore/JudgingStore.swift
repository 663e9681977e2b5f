import QuorumCore

/// People judging models' answers: compare and rate projects, and the watch on a model in production.
public protocol JudgingStore: Sendable {
    func createJudgingProject(name: String, kind: ProjectKind, from source: Project, runs: [Run], pairs: JudgingSetup.Pairs,
                              scale: JudgingSetup.Scale?, criteria: [String], annotatorsPerItem: Int,
                              guidelines: String) async throws -> (project: Project, items: Int)
    /// Whether run A's answer is on the left for this judge (drawn on first sight, then kept).
    func side(itemID: Int64, for annotator: User) async throws -> Bool
    func judgingResults(of project: Project, by field: String?) async throws -> JudgingResults
    func judgedRuns(of itemID: Int64) async throws -> (a: Int64, b: Int64?)?
    func createWatchProject(name: String, scale: JudgingSetup.Scale, criteria: [String], sampleRate: Double, alertBelow: Double?,
                            annotatorsPerItem: Int, guidelines: String) async throws -> Project
    func addSamples(_ samples: [WatchSample], to project: Project) async throws -> (kept: Int, sampledOut: Int, duplicates: Int)
    func watchTrend(of project: Project, by period: WatchTrend.Period, category: String?) async throws -> WatchTrend
    func correctSample(itemID: Int64, answer: String, by user: User) async throws
    func correction(of itemID: Int64) async throws -> String?
}
