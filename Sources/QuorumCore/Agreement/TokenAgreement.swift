/// Token-level agreement on spans, worked out as the items go by: every whitespace token takes the type of the span
/// over it (or O), and the tokens are units rated by the annotators who answered the item. Nominal Krippendorff's
/// alpha and Cohen's kappa per annotator pair come from matrices that only add up (coincidences, and one confusion
/// matrix per pair), so a project of any size costs a few small tables instead of a rating per token held in memory.
public struct TokenAgreement: Sendable {
    private let raters: Int
    private var types: [String] = ["O"]
    /// Coincidences: o[c][k] summed over units, each unit's ordered pairs of values weighted 1 / (values − 1).
    private var coincidences: [[Double]] = [[0]]
    /// confusion[a * raters + b][x][y]: tokens rater a called x and rater b called y (a < b).
    private var confusion: [[[Int]]]
    public private(set) var tokenCount = 0

    public init(raters: Int) {
        self.raters = raters
        confusion = Array(repeating: [[0]], count: raters * raters)
    }

    private mutating func index(of type: String) -> Int {
        if let i = types.firstIndex(of: type) { return i }
        types.append(type)
        for c in coincidences.indices { coincidences[c].append(0) }
        coincidences.append([Double](repeating: 0, count: types.count))
        for p in confusion.indices {
            for x in confusion[p].indices { confusion[p][x].append(0) }
            confusion[p].append([Int](repeating: 0, count: types.count))
        }
        return types.count - 1
    }

    /// Adds an item: its text's token bounds, and each answering rater's spans.
    public mutating func add(tokens bounds: [(Int, Int)], answers: [(rater: Int, spans: [Span])]) {
        guard !bounds.isEmpty else { return }
        var labels = [[Int]](repeating: [], count: answers.count)
        for (n, answer) in answers.enumerated() {
            labels[n] = bounds.map { token in
                index(of: answer.spans.first { $0.start < token.1 && token.0 < $0.end }?.label ?? "O")
            }
        }
        tokenCount += bounds.count
        guard answers.count >= 2 else { return }
        let weight = 1 / Double(answers.count - 1)
        for t in bounds.indices {
            for a in answers.indices {
                for b in answers.indices where a != b { coincidences[labels[a][t]][labels[b][t]] += weight }
            }
        }
        for a in answers.indices {
            for b in answers.indices where answers[a].rater < answers[b].rater {
                let pair = answers[a].rater * raters + answers[b].rater
                for t in bounds.indices { confusion[pair][labels[a][t]][labels[b][t]] += 1 }
            }
        }
    }

    /// Nominal Krippendorff's alpha over the tokens; nil when undefined (one type everywhere).
    public var krippendorffAlpha: Double? {
        let nc = coincidences.map { $0.reduce(0, +) }
        let n = nc.reduce(0, +)
        guard n > 1 else { return nil }
        var observed = 0.0, expected = 0.0
        for c in types.indices {
            for k in types.indices where c != k {
                observed += coincidences[c][k]
                expected += nc[c] * nc[k]
            }
        }
        guard expected > 1e-12 else { return nil }
        return 1 - (n - 1) * observed / expected
    }

    /// The mean of Cohen's kappa over the annotator pairs that share tokens (and have one defined).
    public var meanCohenKappa: Double? {
        var kappas: [Double] = []
        for matrix in confusion {
            let total = Double(matrix.reduce(0) { $0 + $1.reduce(0, +) })
            guard total > 0 else { continue }
            var agree = 0.0, chance = 0.0
            for x in matrix.indices {
                agree += Double(matrix[x][x]) / total
                let row = Double(matrix[x].reduce(0, +)) / total
                let column = Double(matrix.reduce(0) { $0 + $1[x] }) / total
                chance += row * column
            }
            if 1 - chance > 1e-12 { kappas.append((agree - chance) / (1 - chance)) }
        }
        return kappas.isEmpty ? nil : kappas.reduce(0, +) / Double(kappas.count)
    }
}
