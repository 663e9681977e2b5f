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
    /// Marks `run` running again, held until `holdUntil` by the server resuming it (by nobody from the command line);
    /// false, and nothing changed, while it is held: by a server until that hold lapses, and, for a server, by the
    /// command line (which holds no lease: only a cancel tells a run it drives from one whose process died).
    func resumeRun(_ run: Run, holdUntil: Date?) async throws -> Bool
    /// Keeps `run` the caller's until `until` (a server renews this while it drives the run); false when the run is
    /// no longer running (cancelled, or finished, elsewhere).
    func holdRun(_ run: Run, until: Date) async throws -> Bool
    /// The running runs whose server stopped renewing its hold, now held by the caller until `until`. A run resumed
    /// from the command line is held by nobody, and never taken.
    func takeLapsedRuns(until: Date) async throws -> [Run]
    func evaluate(_ runs: [Run], in project: Project, consensus: ConsensusRule) async throws -> [Evaluation]
    func suggestionFigures(of project: Project) async throws -> [SuggestionFigures]
    /// A suggesting run's items given its suggestion, withheld, and left without one.
    func suggestionCounts(of run: Run) async throws -> (suggested: Int, withheld: Int, failed: Int)
}
