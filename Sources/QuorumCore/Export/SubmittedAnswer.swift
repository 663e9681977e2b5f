/// One annotator's submitted answer, as the export reads it.
public struct SubmittedAnswer: Sendable {
    public var annotator: String
    public var decision: Decision?
    public var labels: [String]
    public var spans: [Span]
    public var messages: JSONValue?

    public init(annotator: String, decision: Decision?, labels: [String], spans: [Span], messages: JSONValue?) {
        self.annotator = annotator
        self.decision = decision
        self.labels = labels
        self.spans = spans
        self.messages = messages
    }
}
