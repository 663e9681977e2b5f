/// How many submitted answers must agree for an item without a gold answer to be exported.
public enum ConsensusRule: Equatable, Sendable, CustomStringConvertible {
    /// Every answer agrees.
    case all
    /// More than half of the answers agree.
    case majority
    /// At least this many answers agree, and no other answer has as many.
    case atLeast(Int)

    /// Reads `all`, `majority` or a whole number K ≥ 1.
    public init?(_ text: String) {
        switch text {
        case "all": self = .all
        case "majority": self = .majority
        default:
            guard let k = Int(text), k >= 1 else { return nil }
            self = .atLeast(k)
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .majority: return "majority"
        case .atLeast(let k): return String(k)
        }
    }

    /// Whether the largest group of agreeing answers (`top`, with `runnerUp` the next largest) out of `answers` wins.
    func isMet(top: Int, runnerUp: Int, answers: Int) -> Bool {
        switch self {
        case .all: return top == answers
        case .majority: return top * 2 > answers
        case .atLeast(let k): return top >= k && runnerUp < top
        }
    }
}
