import Foundation

/// What blind pairwise votes say, with the statistics a lead can trust (`shared/research/model-endpoints.md` §5):
/// per pair of runs the win rate (ties and both-bad as half a win) and the decisive win rate with Wilson intervals,
/// the exact sign test, and an interval that resamples items (votes on one item are not independent); the share
/// of decisive votes that went to the left answer (side bias); agreement between judges with and without ties; and
/// for three runs or more, Bradley–Terry strengths fitted by maximum likelihood with item-bootstrap intervals.
public struct PairwiseResults: Sendable {
    public struct Pair: Sendable {
        public var a: String
        public var b: String
        public var votes = 0
        public var wins = 0
        public var losses = 0
        public var ties = 0
        public var bothBad = 0
        public var winRate: Double? { votes > 0 ? (Double(wins) + Double(ties + bothBad) / 2) / Double(votes) : nil }
        public var winRateCI: (Double, Double)? { PairwiseResults.wilson(Double(wins) + Double(ties + bothBad) / 2, Double(votes)) }
        public var decisiveWinRate: Double? { wins + losses > 0 ? Double(wins) / Double(wins + losses) : nil }
        public var decisiveCI: (Double, Double)? { PairwiseResults.wilson(Double(wins), Double(wins + losses)) }
        /// The exact two-sided binomial p of wins against losses (ties and both-bad left out).
        public var signTestP: Double { Comparison.mcnemarExact(wins, losses) }
        /// The win rate's 95% interval with items resampled.
        public var bootstrapCI: (Double, Double)?
        /// The sign test's p adjusted for the comparison's other pairs (Holm): with many pairs, one looks
        /// significant by chance.
        public var signTestPHolm: Double = 1
    }

    public let pairs: [Pair]
    /// Decisive votes whose preferred answer was on the left, of all decisive votes.
    public let leftShare: Double?
    public let leftShareCI: (Double, Double)?
    /// Krippendorff's alpha (nominal) and percent agreement over the choice (a, b, tie, both bad) of judges who
    /// judged the same item and pair; alpha again over decisive votes only.
    public let alpha: Double?
    public let percentAgreement: Double?
    public let alphaDecisive: Double?
    public let bradleyTerry: BradleyTerry?

    public struct BradleyTerry: Sendable {
        /// Each run's strength, the strengths summing to 1: run i beats run j with probability s_i / (s_i + s_j).
        public var strengths: [String: Double]
        public var ci: [String: (Double, Double)]
        public var winProbability: [String: [String: Double]]
    }

    public static let resamples = 2_000
    public static let seed: UInt64 = 0x51DE_5EED

    /// `runs`: the comparison's runs in order (a pair's a comes before its b).
    public init(votes: [Vote], runs: [String]) {
        // Pairs in the runs' order, each with its votes grouped by item (the bootstrap's unit).
        var pairs: [Pair] = []
        var index: [String: Int] = [:]
        var perItem: [[Int64: (score: Double, votes: Int)]] = []
        for vote in votes {
            let key = vote.a + "\u{1F}" + vote.b
            let p: Int
            if let known = index[key] { p = known } else {
                p = pairs.count
                index[key] = p
                pairs.append(Pair(a: vote.a, b: vote.b))
                perItem.append([:])
            }
            pairs[p].votes += 1
            let score: Double
            switch vote.choice {
            case .a: pairs[p].wins += 1; score = 1
            case .b: pairs[p].losses += 1; score = 0
            case .tie: pairs[p].ties += 1; score = 0.5
            case .bothBad: pairs[p].bothBad += 1; score = 0.5
            }
            perItem[p][vote.item, default: (0, 0)].score += score
            perItem[p][vote.item, default: (0, 0)].votes += 1
        }
        let order = Dictionary(runs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for p in pairs.indices {
            let items = perItem[p].sorted { $0.key < $1.key }.map { SIMD2(Double($0.value.score), Double($0.value.votes)) }
            pairs[p].bootstrapCI = Self.bootstrap(items, seed: Self.seed &+ UInt64(p)) { $0[0] / $0[1] }
        }
        for (p, adjusted) in zip(pairs.indices, Self.holm(pairs.map(\.signTestP))) { pairs[p].signTestPHolm = adjusted }
        self.pairs = pairs.sorted { (order[$0.a] ?? .max, order[$0.b] ?? .max) < (order[$1.a] ?? .max, order[$1.b] ?? .max) }

        let decisive = votes.compactMap(\.choseLeft)
        let left = decisive.filter { $0 }.count
        leftShare = decisive.isEmpty ? nil : Double(left) / Double(decisive.count)
        leftShareCI = Self.wilson(Double(left), Double(decisive.count))

        // Judges × units (an item and a pair), each cell the judge's choice.
        var units: [String: Int] = [:]
        var judges: [String: Int] = [:]
        var cells: [(judge: Int, unit: Int, choice: Vote.Choice)] = []
        for vote in votes {
            let unit = "\(vote.item)\u{1F}\(vote.a)\u{1F}\(vote.b)"
            let u = units[unit] ?? units.count
            units[unit] = u
            let j = judges[vote.annotator] ?? judges.count
            judges[vote.annotator] = j
            cells.append((j, u, vote.choice))
        }
        func agreement(_ keep: (Vote.Choice) -> Bool) -> CategoricalAgreement? {
            var ratings = [[String?]](repeating: [String?](repeating: nil, count: units.count), count: judges.count)
            for cell in cells where keep(cell.choice) { ratings[cell.judge][cell.unit] = cell.choice.rawValue }
            return try? CategoricalAgreement(level: .nominal, ratings: ratings, categories: Vote.Choice.allCases.map(\.rawValue))
        }
        let all = agreement { _ in true }
        alpha = all?.krippendorffAlpha
        percentAgreement = all?.percentAgreement
        alphaDecisive = agreement { $0 == .a || $0 == .b }?.krippendorffAlpha

        let fitted = runs.filter { run in votes.contains { $0.a == run || $0.b == run } }
        bradleyTerry = fitted.count >= 3 ? Self.bradleyTerry(votes: votes, runs: fitted) : nil
    }

    // MARK: statistics

    static let z95 = 1.959963984540054

    /// Holm's step-down adjustment (Scand. J. Stat. 6:65–70, 1979) of `p`, in the same order.
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: p.count)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(p.count - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }

    /// Wilson's score interval for `successes` of `n` (successes may be fractional: ties count half).
    public static func wilson(_ successes: Double, _ n: Double) -> (Double, Double)? {
        guard n > 0 else { return nil }
        let p = successes / n, z2 = z95 * z95
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z95 / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return (max(0, center - half), min(1, center + half))
    }

    /// A percentile 95% interval of `statistic` over the items' summed parts, items drawn with replacement
    /// `resamples` times from a seeded generator (the same votes give the same interval).
    static func bootstrap(_ items: [SIMD2<Double>], seed: UInt64, statistic: (SIMD2<Double>) -> Double?) -> (Double, Double)? {
        let n = items.count
        guard n > 0 else { return nil }
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        items.withUnsafeBufferPointer { items in
            for _ in 0..<resamples {
                if let value = statistic(Bootstrap.resampledSum(items, &generator)) { values.append(value) }
            }
        }
        return Bootstrap.interval(&values)
    }

    /// Bradley–Terry by maximum likelihood (Hunter's MM iterations), a tie or both-bad half a win each way, and
    /// intervals from refits on items resampled.
    static func bradleyTerry(votes: [Vote], runs: [String]) -> BradleyTerry {
        let k = runs.count
        let index = Dictionary(runs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        // Per item, its contributions to the win matrix: (winner, loser, weight).
        var byItem: [Int64: [(Int, Int, Double)]] = [:]
        for vote in votes {
            guard let a = index[vote.a], let b = index[vote.b] else { continue }
            switch vote.choice {
            case .a: byItem[vote.item, default: []].append((a, b, 1))
            case .b: byItem[vote.item, default: []].append((b, a, 1))
            case .tie, .bothBad: byItem[vote.item, default: []] += [(a, b, 0.5), (b, a, 0.5)]
            }
        }
        // Each item's contributions summed per cell of the win matrix, all items in flat arrays (no array per item:
        // 2,000 refits walk them, and nested arrays cost a retain and a release per item per refit).
        var starts: [Int] = [0], cells: [Int] = [], weights: [Double] = []
        for (_, contributions) in byItem.sorted(by: { $0.key < $1.key }) {
            var summed: [Int: Double] = [:]
            for (w, l, weight) in contributions { summed[w * k + l, default: 0] += weight }
            for (cell, weight) in summed.sorted(by: { $0.key < $1.key }) {
                cells.append(cell)
                weights.append(weight)
            }
            starts.append(cells.count)
        }
        let itemCount = starts.count - 1
        func fit(_ draw: (UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Double>) -> Void) -> [Double]? {
            var wins = [Double](repeating: 0, count: k * k)
            starts.withUnsafeBufferPointer { starts in
                cells.withUnsafeBufferPointer { cells in
                    weights.withUnsafeBufferPointer { weights in
                        wins.withUnsafeMutableBufferPointer { draw($0, starts, cells, weights) }
                    }
                }
            }
            return Self.fitStrengths(wins: wins, k: k)
        }
        let strengths = fit { wins, _, cells, weights in
            for e in cells.indices { wins[cells[e]] += weights[e] }
        } ?? [Double](repeating: 1 / Double(k), count: k)
        // The refits in a fixed number of chunks, each with a generator of its own, on every core: the same votes
        // give the same intervals whatever the machine. Each draw adds its item's cells straight into the matrix.
        let chunks = 16
        var perChunk = [[[Double]]](repeating: [], count: chunks)
        perChunk.withUnsafeMutableBufferPointer { perChunk in
            let results = perChunk
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var generator = SplitMix64(seed: Self.seed &+ UInt64(chunk))
                var refits: [[Double]] = []
                for _ in 0..<(resamples / chunks) where itemCount > 0 {
                    let refit = fit { wins, starts, cells, weights in
                        for _ in 0..<itemCount {
                            let i = Int(generator.next().multipliedFullWidth(by: UInt64(itemCount)).high)
                            for e in starts[i]..<starts[i + 1] { wins[cells[e]] += weights[e] }
                        }
                    }
                    if let refit { refits.append(refit) }
                }
                results[chunk] = refits
            }
        }
        var samples = [[Double]](repeating: [], count: k)
        for refit in perChunk.joined() { for r in 0..<k { samples[r].append(refit[r]) } }
        var named: [String: Double] = [:], ci: [String: (Double, Double)] = [:], beats: [String: [String: Double]] = [:]
        for (r, run) in runs.enumerated() {
            named[run] = strengths[r]
            ci[run] = Bootstrap.interval(&samples[r])
            beats[run] = Dictionary(uniqueKeysWithValues: runs.enumerated().filter { $0.offset != r }.map {
                ($0.element, strengths[r] / (strengths[r] + strengths[$0.offset]))
            })
        }
        return BradleyTerry(strengths: named, ci: ci, winProbability: beats)
    }

    /// Strengths summing to 1 from `wins[i * k + j]` (how often i beat j); nil when a run has no comparisons.
    static func fitStrengths(wins: [Double], k: Int) -> [Double]? {
        var p = [Double](repeating: 1 / Double(k), count: k)
        var next = p
        let total = (0..<k).map { i in (0..<k).reduce(0) { $0 + wins[i * k + $1] } }
        for _ in 0..<10_000 {
            var sum = 0.0
            for i in 0..<k {
                var denominator = 0.0
                for j in 0..<k where j != i {
                    let n = wins[i * k + j] + wins[j * k + i]
                    if n > 0 { denominator += n / (p[i] + p[j]) }
                }
                guard denominator > 0 else { return nil }
                // A run that never won keeps a strength just above nothing, so the fit stays defined.
                next[i] = max(total[i], 1e-9) / denominator
                sum += next[i]
            }
            var change = 0.0
            for i in 0..<k {
                let value = next[i] / sum
                change = max(change, abs(value - p[i]))
                p[i] = value
            }
            if change < 1e-12 { break }
        }
        return p
    }

    // MARK: JSON

    public var json: JSONValue {
        let number = Rounded.number, interval = Rounded.interval
        var members: [(key: String, value: JSONValue)] = [
            ("pairs", .array(pairs.map { p in
                ["a": .string(p.a), "b": .string(p.b), "votes": .int(p.votes), "wins": .int(p.wins), "losses": .int(p.losses),
                 "ties": .int(p.ties), "both_bad": .int(p.bothBad), "win_rate": number(p.winRate), "win_rate_ci95": interval(p.winRateCI),
                 "decisive_win_rate": number(p.decisiveWinRate), "decisive_ci95": interval(p.decisiveCI),
                 "sign_test_p": .double((p.signTestP * 1e6).rounded() / 1e6),
                 "sign_test_p_holm": .double((p.signTestPHolm * 1e6).rounded() / 1e6), "bootstrap_ci95": interval(p.bootstrapCI)]
            })),
            ("position", ["left_share": number(leftShare), "ci95": interval(leftShareCI)]),
            ("agreement", ["alpha": number(alpha), "percent": number(percentAgreement), "alpha_decisive": number(alphaDecisive)]),
        ]
        if let bt = bradleyTerry {
            let runs = bt.strengths.keys.sorted()
            members.append(("bradley_terry", [
                "strengths": .object(runs.map { (key: $0, value: number(bt.strengths[$0])) }),
                "ci95": .object(runs.map { (key: $0, value: interval(bt.ci[$0])) }),
                "win_probability": .object(runs.map { run in
                    (key: run, value: .object((bt.winProbability[run] ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: number($0.value)) }))
                }),
            ]))
        }
        return .object(members)
    }
}
