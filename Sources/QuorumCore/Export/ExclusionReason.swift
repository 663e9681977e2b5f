/// Why an item is not in the exported files; every item left out is counted and listed under one of these.
public enum ExclusionReason: String, CaseIterable, Sendable, Error {
    case notEnoughAnswers = "not enough answers"
    case noConsensus = "no consensus"
    case rejected
    case duplicate
    case contradiction
    case noPreferencePair = "no corrected answer"
    /// A comparison judged a tie or both bad: no answer to prefer.
    case noPreference = "judged a tie or both bad"
    /// The export's target cannot take the example (a tool call for Claude on Bedrock, turns out of order …).
    case notForTarget = "not for the target"
}
