/// What ratings of answers judged alone say: per run and criterion ("overall" first) the mean on the scale (pass
/// 1, fail 0) with an interval that resamples source items, how the ratings spread over the scale, and agreement
/// between raters as ordinal Krippendorff's alpha (a 4 against a 5 is a smaller disagreement than a 1 against a 5).
public struct RatingResults: Sendable {
    public struct Row: Sendable {
        public var run: String
        public var criterion: String
        public var ratings: Int
        public var mean: Double?
        public var ci: (Double, Double)?
        /// How many ratings took each value of the scale, in the scale's order.
        public var counts: [Int]
    }

    public static let overall = "overall"

    public let scale: JudgingSetup.Scale
    public let rows: [Row]
    /// Ordinal alpha and percent agreement over the overall ratings of raters who rated the same answer.
    public let alpha: Double?
    public let percentAgreement: Double?
    /// The same per criterion.
    public let criterionAlpha: [(criterion: String, alpha: Double?)]

    public init(judgements: [Judgement], scale: JudgingSetup.Scale, runs: [String], criteria: [String]) {
        self.scale = scale
        let values = scale.values
        var rows: [Row] = []
        for (r, run) in runs.enumerated() {
            let mine = judgements.filter { String($0.runA) == run }
            for (c, criterion) in ([Self.overall] + criteria).enumerated() {
                func value(_ j: Judgement) -> String? { criterion == Self.overall ? j.value : j.criteria[criterion] }
                var perItem: [Int64: SIMD2<Double>] = [:]
                var counts = [Int](repeating: 0, count: values.count)
                var n = 0
                for judgement in mine {
                    guard let text = value(judgement), let score = scale.score(text) else { continue }
                    perItem[judgement.sourceItem, default: .zero] += SIMD2(score, 1)
                    if let k = values.firstIndex(of: text) { counts[k] += 1 }
                    n += 1
                }
                let total = perItem.values.reduce(SIMD2<Double>.zero, +)
                let items = perItem.sorted { $0.key < $1.key }.map(\.value)
                let ci = PairwiseResults.bootstrap(items, seed: PairwiseResults.seed &+ UInt64(r * 64 + c)) { $0[1] > 0 ? $0[0] / $0[1] : nil }
                rows.append(Row(run: run, criterion: criterion, ratings: n, mean: n > 0 ? total[0] / total[1] : nil, ci: ci, counts: counts))
            }
        }
        self.rows = rows

        // Raters × rated answers (a judging item each).
        var units: [Int64: Int] = [:], raters: [String: Int] = [:]
        for judgement in judgements {
            if units[judgement.item] == nil { units[judgement.item] = units.count }
            if raters[judgement.annotator] == nil { raters[judgement.annotator] = raters.count }
        }
        func agreement(_ value: (Judgement) -> String?) -> CategoricalAgreement? {
            var matrix = [[String?]](repeating: [String?](repeating: nil, count: units.count), count: raters.count)
            for judgement in judgements { matrix[raters[judgement.annotator]!][units[judgement.item]!] = value(judgement) }
            return try? CategoricalAgreement(level: .ordinal, ratings: matrix, categories: values)
        }
        let overall = agreement { $0.value }
        alpha = overall?.krippendorffAlpha
        percentAgreement = overall?.percentAgreement
        criterionAlpha = criteria.map { name in (name, agreement { $0.criteria[name] }?.krippendorffAlpha) }
    }

    public var json: JSONValue {
        ["scale": .string(scale.rawValue),
         "ratings": .array(rows.map { row in
             ["run": .string(row.run), "criterion": .string(row.criterion), "ratings": .int(row.ratings), "mean": Rounded.number(row.mean),
              "ci95": Rounded.interval(row.ci),
              "counts": .object(zip(scale.values, row.counts).map { (key: $0, value: .int($1)) })]
         }),
         "agreement": ["alpha_ordinal": Rounded.number(alpha), "percent": Rounded.number(percentAgreement),
                       "criteria": .object(criterionAlpha.map { (key: $0.criterion, value: Rounded.number($0.alpha)) })]]
    }
}

/// Figures as the results print them: four decimals.
enum Rounded {
    static func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1e4).rounded() / 1e4) } ?? .null }
    static func interval(_ ci: (Double, Double)?) -> JSONValue { ci.map { [number($0.0), number($0.1)] } ?? .null }
}
