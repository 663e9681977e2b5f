/// How a suggesting run's suggestions fared with the people shown them, and how much they sway them: agreement of
/// each annotator (and of the gold answers) with the model, the share of shown suggestions submitted unchanged, and
/// the anchoring check — annotators' agreement with the model where its suggestion was shown against where it was
/// withheld (the model's outputs for withheld items are kept, only not shown). Classify: the share of answers equal
/// to the model's label(s) and Cohen's kappa between the annotator and the model, over the items the model gave a
/// valid label; spans: exact span F1; chat: the share of drafts submitted unchanged and the mean normalized edit
/// distance of the final answer from the draft.
public struct SuggestionFigures: Sendable {
    /// An annotator's submitted answer, with what became of the suggestion shown with it.
    public struct Given: Sendable {
        public var item: Int64
        public var annotator: String
        public var answer: Answer
        public var outcome: ModelSuggestion.Outcome?
        /// The suggesting run whose suggestion was shown (nil: an imported one, or none).
        public var run: Int64?

        public init(item: Int64, annotator: String, answer: Answer, outcome: ModelSuggestion.Outcome?, run: Int64?) {
            self.item = item
            self.annotator = annotator
            self.answer = answer
            self.outcome = outcome
            self.run = run
        }
    }

    public struct Agreement: Sendable {
        public var compared: Int
        /// The share equal to the model's answer (spans: exact span F1).
        public var percent: Double?
        public var kappa: Double?
        /// Chat: the mean normalized edit distance of the final answer from the draft.
        public var meanDistance: Double?
    }

    public let run: Int64
    public let kind: ProjectKind
    public let withAnnotators: [(annotator: String, agreement: Agreement)]
    public let withGold: Agreement
    public let acceptance: [(annotator: String, share: Double?, shown: Int)]
    public let shown: (items: Int, agreement: Agreement)
    public let withheld: (items: Int, agreement: Agreement)

    /// `model`: the model's answer per item it answered (nil where its output gave none), and whether the item's
    /// suggestion was withheld.
    public init(run: Int64, kind: ProjectKind, model: [Int64: (answer: Answer?, withheld: Bool)], given: [Given], gold: [Int64: Answer]) {
        self.run = run
        self.kind = kind
        func agreement(_ pairs: [(Answer, Answer)]) -> Agreement { Self.agreement(pairs, kind: kind) }
        func pairs(_ answers: [Given]) -> [(Answer, Answer)] {
            answers.compactMap { given in model[given.item]?.answer.map { (given.answer, $0) } }
        }
        let annotators = Set(given.map(\.annotator)).sorted()
        withAnnotators = annotators.map { name in (name, agreement(pairs(given.filter { $0.annotator == name }))) }
        withGold = agreement(gold.sorted { $0.key < $1.key }.compactMap { item, answer in model[item]?.answer.map { (answer, $0) } })
        acceptance = annotators.map { name in
            let mine = given.filter { $0.annotator == name && $0.run == run && $0.outcome != nil && $0.outcome != ModelSuggestion.Outcome.none }
            return (name, mine.isEmpty ? nil : Double(mine.filter { $0.outcome == .accepted }.count) / Double(mine.count), mine.count)
        }
        let shownGiven = given.filter { model[$0.item].map { !$0.withheld } ?? false }
        let withheldGiven = given.filter { model[$0.item]?.withheld ?? false }
        shown = (Set(shownGiven.map(\.item)).count, agreement(pairs(shownGiven)))
        withheld = (Set(withheldGiven.map(\.item)).count, agreement(pairs(withheldGiven)))
    }

    /// Agreement of people's answers (first) with the model's (second).
    static func agreement(_ pairs: [(Answer, Answer)], kind: ProjectKind) -> Agreement {
        guard !pairs.isEmpty else { return Agreement(compared: 0) }
        switch kind {
        case .spans:
            var matched = 0, given = 0, suggested = 0
            for (person, model) in pairs {
                let a = Set(Self.spans(person).map { "\($0.start):\($0.end):\($0.label)" })
                let b = Set(Self.spans(model).map { "\($0.start):\($0.end):\($0.label)" })
                matched += a.intersection(b).count
                given += a.count
                suggested += b.count
            }
            let f1 = given + suggested == 0 ? 1 : 2 * Double(matched) / Double(given + suggested)
            return Agreement(compared: pairs.count, percent: f1)
        case .chat:
            var same = 0, distance = 0.0
            for (person, model) in pairs {
                let a = Self.finalAnswer(person), b = Self.finalAnswer(model)
                if a == b { same += 1 }
                distance += EditDistance.normalized(a, b)
            }
            return Agreement(compared: pairs.count, percent: Double(same) / Double(pairs.count), meanDistance: distance / Double(pairs.count))
        default:
            let same = pairs.filter { $0.0 == $0.1 }.count
            func category(_ answer: Answer) -> String {
                if case .labels(let labels) = answer { return labels.joined(separator: "\u{1F}") }
                return "(rejected)"
            }
            let ratings: [[String?]] = [pairs.map { category($0.0) }, pairs.map { category($0.1) }]
            let kappa = (try? CategoricalAgreement(level: .nominal, ratings: ratings))?.cohenKappas.first?.kappa
            return Agreement(compared: pairs.count, percent: Double(same) / Double(pairs.count), kappa: kappa)
        }
    }

    static func spans(_ answer: Answer) -> [Span] {
        if case .spans(let spans) = answer { return spans }
        return []
    }

    static func finalAnswer(_ answer: Answer) -> String {
        if case .conversation(let messages) = answer { return messages.last(where: { $0["role"]?.stringValue == "assistant" })?.contentText ?? "" }
        return ""
    }

    public var json: JSONValue {
        func figures(_ a: Agreement) -> JSONValue {
            var members: [(key: String, value: JSONValue)] = [("compared", .int(a.compared)), ("percent", Rounded.number(a.percent))]
            if kind != .chat && kind != .spans { members.append(("kappa", Rounded.number(a.kappa))) }
            if kind == .chat { members.append(("mean_distance", Rounded.number(a.meanDistance))) }
            return .object(members)
        }
        return ["run": .number(String(run)),
                "with_annotators": .object(withAnnotators.map { (key: $0.annotator, value: figures($0.agreement)) }),
                "with_gold": figures(withGold),
                "acceptance": .object(acceptance.map { (key: $0.annotator, value: Rounded.number($0.share)) }),
                "anchoring": ["shown": ["items": .int(shown.items), "agreement": Rounded.number(shown.agreement.percent)],
                              "withheld": ["items": .int(withheld.items), "agreement": Rounded.number(withheld.agreement.percent)]]]
    }
}
