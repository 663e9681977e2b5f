import Foundation

/// A project's agreement figures from every submitted answer: for classify projects the categorical
/// coefficients overall and per label (as yes/no), for spans F1 per pair and token-level agreement, for chat
/// agreement on accept/reject and the edit distance between corrected answers; each annotator's agreement with
/// the others and with the gold answers, and who is far below the rest.
public struct ProjectAgreement: Sendable {
    public let project: Project
    public let annotators: [String]
    /// Items with at least two answers: the ones agreement is about.
    public let sharedItems: Int
    public let answers: Int
    /// The figure a lead watches, named.
    public let coefficient: String
    public let value: Double?
    public let categorical: CategoricalAgreement?
    public let perLabel: [(label: String, agreement: CategoricalAgreement)]
    public let spans: SpanAgreement?
    public let tokens: TokenAgreement?
    public let editDistance: [(annotators: (String, String), items: Int, mean: Double)]
    /// Each annotator's mean agreement with the others (the pairwise figure of the headline's kind).
    public let withOthers: [String: Double]
    /// Each annotator's share of answers equal to the gold answer, over the items with gold they answered.
    public let withGold: [String: (items: Int, agreement: Double)]
    public let flagged: [(annotator: String, reason: String)]
    /// The figures as JSON, worked out once (each coefficient walks every item).
    private let categoricalJSON: JSONValue?
    private let perLabelJSON: [JSONValue]
    private let tokensJSON: JSONValue?

    /// An item with its answers read, as agreement needs it.
    public struct AnsweredItem: Sendable {
        let id: Int64
        let input: JSONValue
        let answers: [(String, Answer)]
        let gold: Answer?
        /// Chat: the normalized edit distance between each pair of answers' final assistant turns, worked out while
        /// the answers are read (the texts are not kept).
        var distances: [(String, String, Double)] = []
    }

    /// Reads stored items (parsing their answers, on `workers` threads): the part of the work that can go on while
    /// the database is still being read.
    public static func read(_ items: [StoredItem], project: Project, workers: Int) -> [AnsweredItem] {
        // Classify answers repeat a handful of label sets: each worker parses each set once.
        var caches: [[String: Answer]] = []
        return ParallelBatch.map(items, workers: workers, states: &caches, initial: [:]) { item, cache -> AnsweredItem? in
            guard !item.answers.isEmpty || item.gold != nil else { return nil }
            let input = project.kind == .chat || project.kind == .spans ? ((try? JSONParser.parse(item.input)) ?? .object([])) : .object([])
            let given = item.answers.map { stored -> (String, Answer) in
                guard project.kind.answersWithLabels, stored.decision == nil, let labels = stored.labels else {
                    return (stored.annotator, Answer.of(stored.submitted, project: project, input: input))
                }
                if let known = cache[labels] { return (stored.annotator, known) }
                let answer = Answer.of(stored.submitted, project: project, input: input)
                if cache.count < 4_096 { cache[labels] = answer }
                return (stored.annotator, answer)
            }
            let gold = item.goldAnswer(project: project, input: input)
            // Only what agreement compares is kept, so a project of long conversations is not held whole: for chat the
            // distances between final answers and a digest of each answer's assistant turns, for spans the text alone.
            var distances: [(String, String, Double)] = []
            if project.kind == .chat {
                let finals = given.compactMap { name, answer -> (String, String)? in
                    guard case .conversation(let messages) = answer else { return nil }
                    return (name, messages.last(where: { $0["role"]?.stringValue == "assistant" })?.contentText ?? "")
                }
                for a in finals.indices {
                    for b in finals.indices where b > a {
                        distances.append((finals[a].0, finals[b].0, EditDistance.normalized(finals[a].1, finals[b].1)))
                    }
                }
            }
            let kept: JSONValue = project.kind == .spans ? .object([(key: "text", value: input["text"] ?? .string(""))]) : .null
            var answered = AnsweredItem(id: item.itemID, input: kept, answers: given.map { ($0.0, $0.1.compacted) }, gold: gold?.compacted)
            answered.distances = distances
            return answered
        }.compactMap { $0 }
    }

    public init(project: Project, items: [StoredItem]) {
        self.init(project: project, answered: Self.read(items, project: project, workers: ProcessInfo.processInfo.activeProcessorCount))
    }

    public init(project: Project, answered parsed: [AnsweredItem]) {
        self.project = project
        var names = Set<String>()
        var answerCount = 0
        for item in parsed {
            item.answers.forEach { names.insert($0.0) }
            answerCount += item.answers.count
        }
        let annotators = names.sorted()
        self.annotators = annotators
        answers = answerCount
        sharedItems = parsed.filter { $0.answers.count >= 2 }.count
        let rater = Dictionary(uniqueKeysWithValues: annotators.enumerated().map { ($1, $0) })
        let shared = parsed.filter { $0.answers.count >= 2 }

        // One column per shared item, one row per annotator.
        func ratings(_ value: (Answer) -> String?) -> [[String?]] {
            var matrix = [[String?]](repeating: [String?](repeating: nil, count: shared.count), count: annotators.count)
            for (column, item) in shared.enumerated() {
                for (name, answer) in item.answers { matrix[rater[name]!][column] = value(answer) }
            }
            return matrix
        }
        var categorical: CategoricalAgreement? = nil
        var perLabel: [(String, CategoricalAgreement)] = []
        var spans: SpanAgreement? = nil
        var tokens: TokenAgreement? = nil
        var distances: [(annotators: (String, String), items: Int, mean: Double)] = []
        var pairwise: [String: [Double]] = [:]
        switch project.kind {
        case .classify, .compare, .rate, .watch:
            // Labels as indices (no text hashed per answer): one column per shared item, one row per annotator.
            let categories = project.labels + [Self.rejected]
            let index = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
            // Flat matrices (rater-major, then label-major for yes/no), cut into rows at the end: a hundred
            // thousand writes into nested arrays each paid a uniqueness check per level.
            let width = shared.count, raterCount = annotators.count, labelCount = project.labels.count
            var single = [Int?](repeating: nil, count: raterCount * width)
            var yesNo = [Int?](repeating: nil, count: labelCount * raterCount * width)
            var given = [Bool](repeating: false, count: labelCount)
            // A few annotators are found faster by comparing their (short) names than by hashing.
            func raterIndex(_ name: String) -> Int { raterCount <= 8 ? annotators.firstIndex(of: name)! : rater[name]! }
            for (column, item) in shared.enumerated() {
                for (name, answer) in item.answers {
                    let cell = raterIndex(name) * width + column
                    switch answer {
                    case .labels(let labels):
                        single[cell] = labels.first.flatMap { index[$0] }
                        for l in given.indices { given[l] = false }
                        for label in labels { if let l = index[label], l < labelCount { given[l] = true } }
                        for l in given.indices { yesNo[l * raterCount * width + cell] = given[l] ? 1 : 0 }
                    case .rejected:
                        single[cell] = index[Self.rejected]
                    default:
                        break
                    }
                }
            }
            func rows(_ flat: [Int?], from start: Int) -> [[Int?]] {
                (0..<raterCount).map { Array(flat[(start + $0 * width)..<(start + ($0 + 1) * width)]) }
            }
            // Several labels per item have no single nominal coefficient: per label only.
            if !project.multiLabel { categorical = CategoricalAgreement(nominal: categories, indexed: rows(single, from: 0)) }
            perLabel = project.labels.enumerated().map {
                ($1, CategoricalAgreement(nominal: ["no", "yes"], indexed: rows(yesNo, from: $0 * raterCount * width)))
            }
        case .spans:
            let documents = shared.map { item in
                SpanAgreement.Document(annotations: Dictionary(item.answers.map { name, answer -> (String, [Span]) in
                    if case .spans(let marked) = answer { return (name, marked) }
                    return (name, [])
                }, uniquingKeysWith: { a, _ in a }))
            }
            let agreement = SpanAgreement(documents: documents)
            spans = agreement
            for pair in agreement.pairs {
                guard let f1 = pair.overall.exactF1 else { continue }
                pairwise[pair.annotators.0, default: []].append(f1)
                pairwise[pair.annotators.1, default: []].append(f1)
            }
            // Token level: each whitespace token takes the type of the span over it, or O; summed item by item.
            var tokenLevel = TokenAgreement(raters: annotators.count)
            for item in shared {
                let answers = item.answers.map { name, answer -> (rater: Int, spans: [Span]) in
                    if case .spans(let marked) = answer { return (rater[name]!, marked) }
                    return (rater[name]!, [])
                }
                tokenLevel.add(tokens: Self.tokenBounds(item.input["text"]?.stringValue ?? ""), answers: answers)
            }
            tokens = tokenLevel
        case .chat:
            categorical = try? CategoricalAgreement(level: .nominal, ratings: ratings { $0 == .rejected ? "reject" : "accept" }, categories: ["accept", "reject"])
            var sums: [String: (Int, Double)] = [:]
            for item in shared {
                for (a, b, d) in item.distances {
                    let key = [a, b].sorted().joined(separator: "\u{1F}")
                    sums[key, default: (0, 0)].0 += 1
                    sums[key, default: (0, 0)].1 += d
                }
            }
            distances = sums.sorted { $0.key < $1.key }.map { key, sum in
                let pair = key.split(separator: "\u{1F}").map(String.init)
                return ((pair[0], pair[1]), sum.0, sum.1 / Double(sum.0))
            }
        }
        self.categorical = categorical
        self.perLabel = perLabel
        // The coefficient sets (overall, per label, per token) each walk every item: worked out side by side.
        func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1e4).rounded() / 1e4) } ?? .null }
        var jobs: [() -> JSONValue] = []
        if let categorical { jobs.append { Self.named(categorical.json, annotators) } }
        for (label, agreement) in perLabel {
            jobs.append {
                ["label": .string(label), "krippendorff_alpha": number(agreement.krippendorffAlpha),
                 "percent_agreement": number(agreement.percentAgreement), "gwet_ac1": number(agreement.gwetAC1)]
            }
        }
        if let tokens {
            jobs.append {
                ["krippendorff_alpha": number(tokens.krippendorffAlpha), "mean_cohen_kappa": number(tokens.meanCohenKappa), "tokens": .int(tokens.tokenCount)]
            }
        }
        var figures = [JSONValue](repeating: .null, count: jobs.count)
        figures.withUnsafeMutableBufferPointer { buffer in
            let results = buffer
            DispatchQueue.concurrentPerform(iterations: jobs.count) { results[$0] = jobs[$0]() }
        }
        var next = 0
        categoricalJSON = categorical == nil ? nil : figures[0]
        if categorical != nil { next = 1 }
        perLabelJSON = Array(figures[next..<(next + perLabel.count)])
        tokensJSON = tokens == nil ? nil : figures.last
        // Each annotator's Cohen's kappa with every other (classify and chat), from the figures just made.
        for pair in categoricalJSON?["cohen_kappa"]?.arrayValue ?? [] {
            guard let kappa = pair["kappa"]?.doubleValue, let names = pair["annotators"]?.arrayValue?.compactMap(\.stringValue), names.count == 2 else { continue }
            pairwise[names[0], default: []].append(kappa)
            pairwise[names[1], default: []].append(kappa)
        }
        self.spans = spans
        self.tokens = tokens
        self.editDistance = distances
        withOthers = pairwise.mapValues { $0.reduce(0, +) / Double($0.count) }

        var gold: [String: (Int, Int)] = [:]
        for item in parsed {
            guard let decided = item.gold else { continue }
            let key = decided.agreementKey
            for (name, answer) in item.answers {
                gold[name, default: (0, 0)].0 += 1
                if answer.agreementKey == key { gold[name, default: (0, 0)].1 += 1 }
            }
        }
        withGold = gold.mapValues { ($0.0, Double($0.1) / Double($0.0)) }

        switch project.kind {
        case .classify where project.multiLabel:
            let alphas = perLabelJSON.compactMap { $0["krippendorff_alpha"]?.doubleValue }
            coefficient = "mean Krippendorff's alpha over labels (yes/no)"
            value = alphas.isEmpty ? nil : alphas.reduce(0, +) / Double(alphas.count)
        case .classify, .compare, .rate, .watch:
            coefficient = "Krippendorff's alpha (nominal)"
            value = categoricalJSON?["krippendorff_alpha"]?.doubleValue
        case .spans:
            coefficient = "exact-match F1 (mean over annotator pairs)"
            value = spans?.exactF1
        case .chat:
            coefficient = "Krippendorff's alpha on accept/reject"
            value = categoricalJSON?["krippendorff_alpha"]?.doubleValue
        }
        flagged = Self.flag(withOthers, what: "agreement with the others") + Self.flag(withGold.mapValues(\.agreement), what: "agreement with the gold answers")
    }

    /// Annotators more than 0.2 below the median of at least three: far enough to look at their work.
    static func flag(_ figures: [String: Double], what: String) -> [(annotator: String, reason: String)] {
        guard figures.count >= 3 else { return [] }
        let sorted = figures.values.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return figures.filter { $0.value < median - 0.2 }.sorted { $0.key < $1.key }.map {
            ($0.key, String(format: "%@ %.2f, the median is %.2f", what, $0.value, median))
        }
    }

    static let rejected = "(rejected)"

    /// `[start, end)` of each whitespace-separated token, in code points.
    static func tokenBounds(_ text: String) -> [(Int, Int)] {
        var bounds: [(Int, Int)] = []
        var start: Int? = nil
        var offset = 0
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if let s = start { bounds.append((s, offset)); start = nil }
            } else if start == nil {
                start = offset
            }
            offset += 1
        }
        if let s = start { bounds.append((s, offset)) }
        return bounds
    }

    /// How often annotator `a` gave each label when `b` gave each label, over the items both answered (single-label
    /// classify projects; the labels anyone used).
    public func confusion(_ a: String, _ b: String) -> (labels: [String], counts: [[Int]]) {
        guard let categorical, let x = annotators.firstIndex(of: a), let y = annotators.firstIndex(of: b) else { return ([], []) }
        var counts = [[Int]](repeating: [Int](repeating: 0, count: categorical.categories.count), count: categorical.categories.count)
        for (p, q) in zip(categorical.ratings[x], categorical.ratings[y]) {
            if let p, let q { counts[p][q] += 1 }
        }
        return (categorical.categories, counts)
    }

    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1e4).rounded() / 1e4) } ?? .null }
        var members: [(key: String, value: JSONValue)] = [
            ("project", ["id": .number(String(project.id)), "name": .string(project.name), "kind": .string(project.kind.rawValue)]),
            ("annotators", .array(annotators.map { .string($0) })),
            ("answers", .int(answers)), ("shared_items", .int(sharedItems)),
            ("coefficient", .string(coefficient)), ("value", number(value)),
        ]
        if let categoricalJSON { members.append(("categorical", categoricalJSON)) }
        if !perLabelJSON.isEmpty { members.append(("per_label", .array(perLabelJSON))) }
        if let spans { members.append(("spans", spans.json)) }
        if let tokensJSON { members.append(("token_level", tokensJSON)) }
        if project.kind == .chat {
            members.append(("edit_distance", .array(editDistance.map {
                ["annotators": [.string($0.annotators.0), .string($0.annotators.1)], "items": .int($0.items), "mean_normalized": number($0.mean)]
            })))
        }
        members.append(("by_annotator", .array(annotators.map { name in
            ["annotator": .string(name), "with_others": number(withOthers[name]),
             "gold_items": .int(withGold[name]?.items ?? 0), "with_gold": number(withGold[name]?.agreement)]
        })))
        members.append(("flagged", .array(flagged.map { ["annotator": .string($0.annotator), "reason": .string($0.reason)] })))
        return .object(members)
    }

    /// Cohen's pairs carry rater indices; name them.
    static func named(_ json: JSONValue, _ annotators: [String]) -> JSONValue {
        guard case .object(var members) = json, let i = members.firstIndex(where: { $0.key == "cohen_kappa" }),
              let pairs = members[i].value.arrayValue else { return json }
        members[i].value = .array(pairs.map { pair in
            guard case .object(var p) = pair, let raters = pair["raters"]?.arrayValue?.compactMap(\.intValue), raters.count == 2 else { return pair }
            p.insert((key: "annotators", value: [.string(annotators[raters[0]]), .string(annotators[raters[1]])]), at: 1)
            return .object(p)
        })
        return .object(members)
    }
}
