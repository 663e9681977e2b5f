/// One submitted judgement in a compare or rate project, as its results read it: in the pair's terms, with the
/// source item it is about (the unit the intervals resample) and the side a's answer was shown on.
public struct Judgement: Sendable {
    /// The judging project's item.
    public var item: Int64
    /// The source project's item whose prompt both answers are for.
    public var sourceItem: Int64
    public var annotator: String
    public var runA: Int64
    /// Nil in a rate project (one answer judged alone).
    public var runB: Int64?
    /// A comparison's choice (a, b, tie, both_bad) or a rating on the scale.
    public var value: String
    public var criteria: [String: String]
    public var aOnLeft: Bool

    public init(item: Int64, sourceItem: Int64, annotator: String, runA: Int64, runB: Int64?, value: String,
                criteria: [String: String] = [:], aOnLeft: Bool = true) {
        self.item = item
        self.sourceItem = sourceItem
        self.annotator = annotator
        self.runA = runA
        self.runB = runB
        self.value = value
        self.criteria = criteria
        self.aOnLeft = aOnLeft
    }

    /// The vote this judgement casts overall (`criterion` nil) or on a criterion; nil for a rating or a criterion
    /// not judged.
    public func vote(on criterion: String? = nil) -> Vote? {
        guard let runB, let text = criterion.map({ criteria[$0] }) ?? value, let choice = Vote.Choice(rawValue: text) else { return nil }
        return Vote(item: sourceItem, annotator: annotator, a: String(runA), b: String(runB), choice: choice, aOnLeft: aOnLeft)
    }
}
