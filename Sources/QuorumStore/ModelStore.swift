import Foundation
import QuorumCore

/// Models, their runs over a project's items, what they answered, how they score and what they suggest.
public protocol ModelStore: Sendable {
    func addModel(_ model: Model) async throws -> Model
    func models() async throws -> [Model]
    func model(_ key: String) async throws -> Model?
    func itemIDs(in project: Project, selection: String) async throws -> [Int64]
    func inputs(of itemIDs: [Int64]) async throws -> [Int64: JSONValue]
    func startRun(of model: Model, on project: Project, selection: String, itemIDs: [Int64]) async throws -> Run
    func startSuggestions(of model: Model, on project: Project, items: String, limit: Int?, withhold: Double) async throws -> Run
    func run(_ id: Int64) async throws -> Run?
    func runs(of project: Project) async throws -> [Run]
    func missingItems(of run: Run) async throws -> [Int64]
    func saveOutputs(_ outputs: [RunOutput], of run: Run) async throws
    func finishRun(_ run: Run, status: Run.Status, message: String?) async throws
    /// Marks `run` running (a new run, or one resumed) and held for `lease` seconds by the process that will drive it
    /// (`RunHold`): the hold (its end, as stored), or nil, and nothing changed, while another process holds the run.
    /// Holds are timed by the database's clock, one clock for every process whatever its machine's says.
    func resumeRun(_ run: Run, holdFor lease: Double) async throws -> String?
    /// Renews the caller's hold `held` on `run` for `lease` seconds: the new hold, or nil when the run is no longer the
    /// caller's: not running (cancelled, or finished, elsewhere), or held anew by another process.
    func holdRun(_ run: Run, held: String, for lease: Double) async throws -> String?
    /// The running runs whose process stopped renewing its hold, now held by the caller for `lease` seconds, with that
    /// hold. A run no process holds (left running by a version before holds) is left to be resumed by hand.
    func takeLapsedRuns(holdFor lease: Double) async throws -> (runs: [Run], held: String)
    func evaluate(_ runs: [Run], in project: Project, consensus: ConsensusRule) async throws -> [Evaluation]
    func suggestionFigures(of project: Project) async throws -> [SuggestionFigures]
    /// A suggesting run's items given its suggestion, withheld, and left without one.
    func suggestionCounts(of run: Run) async throws -> (suggested: Int, withheld: Int, failed: Int)
}
