/// A lead's decision (or an answer promoted to gold): it wins over the annotators' answers.
public struct GoldAnswer: Sendable {
    public enum Source: String, Sendable { case unanimous, majority, lead, imported }
    public var answer: Answer
    public var source: Source
    public var decidedBy: String?

    public init(answer: Answer, source: Source, decidedBy: String?) {
        self.answer = answer
        self.source = source
        self.decidedBy = decidedBy
    }
}
