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
    /// A chat item's conversation as a model drafted it for the annotators to correct (its suggestion's
    /// `messages`, as JSON text), if it had one shown; a watch sample's correction (the conversation with the answer
    /// the model should have given), if a lead made one.
    public var draft: String?

    public init(itemID: Int64, externalID: String?, input: String, heldOut: Bool, answers: [StoredAnswer], gold: StoredGold?, draft: String? = nil) {
        self.itemID = itemID
        self.externalID = externalID
        self.input = input
        self.heldOut = heldOut
        self.answers = answers
        self.gold = gold
        self.draft = draft
    }
}

extension StoredItem {
    /// The submitted answers as what they mean for `project`, oldest first.
    public func submittedAnswers(project: Project, input: JSONValue) -> [(annotator: String, answer: Answer)] {
        answers.map { ($0.annotator, Answer.of($0.submitted, project: project, input: input)) }
    }

    /// The gold answer, if the item has one.
    public func goldAnswer(project: Project, input: JSONValue) -> Answer? {
        gold.flatMap { stored -> Answer? in
            guard let json = try? JSONParser.parse(stored.resolution) else { return nil }
            let answer = StoredAnswer(annotator: "", decision: json["decision"]?.stringValue, labels: json["labels"]?.jsonText,
                                      spans: json["spans"]?.jsonText, messages: json["messages"]?.jsonText)
            return Answer.of(answer.submitted, project: project, input: input)
        }
    }
}
