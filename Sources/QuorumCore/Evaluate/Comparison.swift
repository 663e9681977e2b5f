import Foundation

/// Two runs scored on the same items: the primary figure of each, the difference B − A with a paired bootstrap 95%
/// interval (items resampled with their outcomes under both runs, 2,000 times, a fixed seed: Koehn 2004), and for
/// right/wrong outcomes McNemar's exact two-sided p (McNemar 1947: a binomial test on the items only one run got
/// right). Per label, type or field: both values and the difference.
public struct Comparison: Sendable {
    public let a: Int64
    public let b: Int64
    public let items: Int
    public let metric: String
    public let aValue: Double?
    public let bValue: Double?
    public let ci95: (Double, Double)?
    public let mcnemarP: Double?
    public let breakdown: [(name: String, a: Double?, b: Double?)]

    public static let resamples = 2_000
    public static let seed: UInt64 = 20_261_130

    public init(a runA: Int64, _ evalA: Evaluation, b runB: Int64, _ evalB: Evaluation) {
        a = runA
        b = runB
        let shared = evalA.outcomes.keys.filter { evalB.outcomes[$0] != nil }.sorted()
        items = shared.count
        metric = evalA.primary.name
        let kind = evalA.kind
        let pairs = shared.map { (evalA.outcomes[$0]!, evalB.outcomes[$0]!) }
        aValue = Self.value(kind, pairs.map(\.0))
        bValue = Self.value(kind, pairs.map(\.1))
        ci95 = pairs.isEmpty ? nil : Self.bootstrap(kind, pairs)
        if kind == .classify || kind == .text {
            let onlyA = pairs.filter { $0.0.right && !$0.1.right }.count
            let onlyB = pairs.filter { !$0.0.right && $0.1.right }.count
            mcnemarP = Self.mcnemarExact(onlyA, onlyB)
        } else {
            mcnemarP = nil
        }
        switch kind {
        case .classify, .spans:
            let names = Array(Set(evalA.perLabel.map(\.label) + evalB.perLabel.map(\.label))).sorted()
            breakdown = names.map { name in
                (name, evalA.perLabel.first { $0.label == name }?.figures.f1, evalB.perLabel.first { $0.label == name }?.figures.f1)
            }
        case .fields:
            func accuracy(_ e: Evaluation, _ name: String) -> Double? {
                e.fields.first { $0.name == name }.flatMap { $0.total == 0 ? nil : Double($0.right) / Double($0.total) }
            }
            let names = Array(Set(evalA.fields.map(\.name) + evalB.fields.map(\.name))).sorted()
            breakdown = names.map { ($0, accuracy(evalA, $0), accuracy(evalB, $0)) }
        case .text:
            breakdown = []
        }
    }

    public var difference: Double? { aValue.flatMap { a in bValue.map { $0 - a } } }

    /// The primary figure over some items' outcomes.
    static func value(_ kind: Evaluation.Kind, _ outcomes: [Evaluation.Outcome]) -> Double? {
        guard !outcomes.isEmpty else { return nil }
        switch kind {
        case .classify, .text:
            return Double(outcomes.filter(\.right).count) / Double(outcomes.count)
        case .spans:
            var tp = 0, fp = 0, fn = 0
            for o in outcomes { tp += o.counts.0; fp += o.counts.1; fn += o.counts.2 }
            return 2 * tp + fp + fn == 0 ? nil : 2 * Double(tp) / Double(2 * tp + fp + fn)
        case .fields:
            let total = outcomes.reduce(0) { $0 + $1.counts.1 }
            return total == 0 ? nil : Double(outcomes.reduce(0) { $0 + $1.counts.0 }) / Double(total)
        }
    }

    /// The 2.5th and 97.5th percentiles of B − A over resamples of the items. Each item is reduced to a few numbers
    /// first (right/wrong, or its counts), so a resample is sums over indices.
    static func bootstrap(_ kind: Evaluation.Kind, _ pairs: [(Evaluation.Outcome, Evaluation.Outcome)]) -> (Double, Double)? {
        let n = pairs.count
        // Per item: numerator and denominator parts of each run's figure, side by side (one load per draw).
        var parts = [SIMD4<Double>](repeating: .zero, count: n)
        for (i, (x, y)) in pairs.enumerated() {
            switch kind {
            case .classify, .text:
                parts[i] = SIMD4(x.right ? 1 : 0, 1, y.right ? 1 : 0, 1)
            case .spans:
                parts[i] = SIMD4(Double(2 * x.counts.0), Double(2 * x.counts.0 + x.counts.1 + x.counts.2),
                                 Double(2 * y.counts.0), Double(2 * y.counts.0 + y.counts.1 + y.counts.2))
            case .fields:
                parts[i] = SIMD4(Double(x.counts.0), Double(x.counts.1), Double(y.counts.0), Double(y.counts.1))
            }
        }
        // Eight fixed slices of the resamples, each with a generator of its own seed, worked out side by side: the
        // same intervals on any number of cores (2,000 resamples of 100,000 items are 200 million draws).
        let slices = 8, perSlice = resamples / slices
        var found = [[Double]](repeating: [], count: slices)
        found.withUnsafeMutableBufferPointer { results in
            let results = results
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                var generator = SplitMix64(seed: seed &+ UInt64(slice))
                var differences: [Double] = []
                differences.reserveCapacity(perSlice)
                parts.withUnsafeBufferPointer { parts in
                    for _ in 0..<perSlice {
                        let sum = Bootstrap.resampledSum(parts, &generator)
                        if sum[1] > 0, sum[3] > 0 { differences.append(sum[2] / sum[3] - sum[0] / sum[1]) }
                    }
                }
                results[slice] = differences
            }
        }
        var differences = found.flatMap { $0 }
        return Bootstrap.interval(&differences)
    }

    /// McNemar's exact test: two-sided binomial p of the smaller discordant count out of both, against one half.
    public static func mcnemarExact(_ b: Int, _ c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        let k = min(b, c)
        // log C(n, i) − n log 2, summed in linear space from the log terms (no overflow for large n).
        var logChoose = 0.0
        var total = 0.0
        for i in 0...k {
            if i > 0 { logChoose += log(Double(n - i + 1)) - log(Double(i)) }
            total += exp(logChoose - Double(n) * log(2))
        }
        return min(1, 2 * total)
    }

    public var json: JSONValue {
        ["a": .number(String(a)), "b": .number(String(b)), "items": .int(items), "metric": .string(metric),
         "a_value": Evaluation.number(aValue), "b_value": Evaluation.number(bValue), "difference": Evaluation.number(difference),
         "ci95": ci95.map { [Evaluation.number($0.0), Evaluation.number($0.1)] } ?? .null,
         "mcnemar_p": mcnemarP.map { .double(($0 * 1e6).rounded() / 1e6) } ?? .null,
         "breakdown": .object(breakdown.map { entry in
             let change = entry.a.flatMap { a in entry.b.map { $0 - a } }
             return (key: entry.name, value: ["a": Evaluation.number(entry.a), "b": Evaluation.number(entry.b), "difference": Evaluation.number(change)])
         })]
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood 2014): the same seed, the same resamples everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
