/// An item with its submitted answers and gold, as the store hands it to the export and to agreement: stored
/// text, unparsed, so that parsing happens on worker threads rather than on the one reading the database.
public struct StoredItem: Sendable {
    public struct StoredAnswer: Sendable {
        public var annotator: String
        public var decision: String?
        public var labels: String?
        public var spans: String?
        public var messages: String?

        public init(annotator: String, decision: String?, labels: String?, spans: String?, messages: String?) {
            self.annotator = annotator
            self.decision = decision
            self.labels = labels
            self.spans = spans
            self.messages = messages
        }

        var submitted: SubmittedAnswer {
            func parse(_ text: String?) -> JSONValue? {
                guard let text, text != "[]" else { return text == nil ? nil : .array([]) }
                return try? JSONParser.parse(text)
            }
            return SubmittedAnswer(annotator: annotator, decision: decision.flatMap(Decision.init(rawValue:)),
                                   labels: parse(labels)?.arrayValue?.compactMap(\.stringValue) ?? [],
                                   spans: parse(spans)?.arrayValue?.compactMap(Span.init(json:)) ?? [],
                                   messages: parse(messages))
        }
    }

    public struct StoredGold: Sendable {
        public var resolution: String
        public var source: String
        public var decidedBy: String?

        public init(resolution: String, source: String, decidedBy: String?) {
            self.resolution = resolution
            self.source = source
            self.decidedBy = decidedBy
        }
    }

    public var itemID: Int64
    public var externalID: String?
    public var input: String
    /// Drawn into the hold-out set by an earlier export (kept there for good).
    public var heldOut: Bool
    /// The submitted answers only, oldest first.
    public var answers: [StoredAnswer]
    public var gold: StoredGold?

    public init(itemID: Int64, externalID: String?, input: String, heldOut: Bool, answers: [StoredAnswer], gold: StoredGold?) {
        self.itemID = itemID
        self.externalID = externalID
        self.input = input
        self.heldOut = heldOut
        self.answers = answers
        self.gold = gold
    }
}
