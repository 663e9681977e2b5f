/// One judge's verdict on two answers to one item, blind: the judge saw "Response 1" and "Response 2" in an order
/// drawn for them, and the verdict is kept both ways — in the pair's terms (a, b) for the results, and which side
/// was a's for the position check.
public struct Vote: Sendable, Equatable {
    public enum Choice: String, Sendable, CaseIterable {
        case a, b, tie, bothBad = "both_bad"

        /// The choice in the pair's terms from what the judge chose between the answers as shown.
        public init(_ side: Side, aOnLeft: Bool) {
            switch side {
            case .left: self = aOnLeft ? .a : .b
            case .right: self = aOnLeft ? .b : .a
            case .tie: self = .tie
            case .bothBad: self = .bothBad
            }
        }

        /// The choice as the judge saw it.
        public func side(aOnLeft: Bool) -> Side {
            switch self {
            case .a: return aOnLeft ? .left : .right
            case .b: return aOnLeft ? .right : .left
            case .tie: return .tie
            case .bothBad: return .bothBad
            }
        }
    }

    /// What a judge picks between the two answers as shown ("Response 1" on the left).
    public enum Side: String, Sendable, CaseIterable {
        case left, right, tie, bothBad = "both_bad"
    }

    /// The source item both answers are for (votes on one item are not independent: the intervals resample items).
    public var item: Int64
    public var annotator: String
    /// The two runs, `a` the first of the pair in the comparison's order.
    public var a: String
    public var b: String
    public var choice: Choice
    /// Whether a's answer was shown on the left.
    public var aOnLeft: Bool

    public init(item: Int64, annotator: String, a: String, b: String, choice: Choice, aOnLeft: Bool) {
        self.item = item
        self.annotator = annotator
        self.a = a
        self.b = b
        self.choice = choice
        self.aOnLeft = aOnLeft
    }

    /// Whether the answer preferred was the one on the left (nil for a tie or both bad).
    public var choseLeft: Bool? {
        switch choice {
        case .a: return aOnLeft
        case .b: return !aOnLeft
        case .tie, .bothBad: return nil
        }
    }
}
