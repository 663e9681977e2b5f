import Foundation

/// A watch project's quality over time: per model version and period, the samples judged, the pass rate with its
/// Wilson 95% interval (pass-fail) or the mean rating with an interval from resampled samples (1–5), and the change
/// from the same version's previous period with a two-sided pooled two-proportion z-test (pass-fail); an alert for
/// each version whose latest period's rate is under the project's threshold with the whole interval under it.
public struct WatchTrend: Sendable {
    public enum Period: String, Sendable, CaseIterable {
        case day, week, month

        /// The period an instant (ISO 8601, UTC) falls in, named by its first day ("2026-11-30"; a month "2026-11";
        /// weeks start on Monday).
        public func start(of instant: String) -> String {
            let day = String(instant.prefix(10))
            switch self {
            case .day: return day
            case .month: return String(instant.prefix(7))
            case .week:
                var calendar = Calendar(identifier: .iso8601)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let parts = day.split(separator: "-").compactMap { Int($0) }
                guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                      let monday = calendar.dateInterval(of: .weekOfYear, for: date)?.start else { return day }
                let c = calendar.dateComponents([.year, .month, .day], from: monday)
                return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
            }
        }
    }

    /// A judged sample: its version, when it was served, its verdict on the scale, and its category when asked.
    public struct Judged: Sendable {
        public var model: String
        public var servedAt: String
        public var verdict: String
        public var category: String?

        public init(model: String, servedAt: String, verdict: String, category: String? = nil) {
            self.model = model
            self.servedAt = servedAt
            self.verdict = verdict
            self.category = category
        }
    }

    public struct Row: Sendable {
        public var start: String
        public var version: String
        public var category: String?
        public var judged: Int
        public var rate: Double?
        public var ci: (Double, Double)?
        public var change: Double?
        public var pValue: Double?
    }

    public let scale: JudgingSetup.Scale
    public let period: Period
    public let rows: [Row]
    public let alerts: [Row]

    public init(judged: [Judged], scale: JudgingSetup.Scale, by period: Period, alertBelow: Double?) {
        self.scale = scale
        self.period = period
        var groups: [String: [Double]] = [:]
        var keys: [(start: String, version: String, category: String?)] = []
        for sample in judged {
            guard let score = scale.score(sample.verdict) else { continue }
            let start = period.start(of: sample.servedAt)
            let key = "\(sample.model)\u{1F}\(sample.category ?? "")\u{1F}\(start)"
            if groups[key] == nil { keys.append((start, sample.model, sample.category)) }
            groups[key, default: []].append(score)
        }
        keys.sort { ($0.version, $0.category ?? "", $0.start) < ($1.version, $1.category ?? "", $1.start) }
        var rows: [Row] = []
        for (n, key) in keys.enumerated() {
            let scores = groups["\(key.version)\u{1F}\(key.category ?? "")\u{1F}\(key.start)"] ?? []
            let sum = scores.reduce(0, +)
            var row = Row(start: key.start, version: key.version, category: key.category, judged: scores.count,
                          rate: scores.isEmpty ? nil : sum / Double(scores.count))
            if scale == .passFail {
                row.ci = PairwiseResults.wilson(sum, Double(scores.count))
            } else {
                let parts = scores.map { SIMD2($0, 1) }
                row.ci = PairwiseResults.bootstrap(parts, seed: PairwiseResults.seed &+ UInt64(n)) { $0[1] > 0 ? $0[0] / $0[1] : nil }
            }
            // The same version's (and category's) previous period, when it is the one just before.
            if let previous = rows.last, previous.version == key.version, previous.category == key.category,
               let a = previous.rate, let b = row.rate {
                row.change = b - a
                if scale == .passFail { row.pValue = Self.twoProportionP(a, previous.judged, b, row.judged) }
            }
            rows.append(row)
        }
        self.rows = rows
        // Each version's (and category's) latest period decides its alert state.
        var latest: [String: Row] = [:]
        for row in rows { latest["\(row.version)\u{1F}\(row.category ?? "")"] = row }
        alerts = alertBelow.map { threshold in
            latest.values.filter { ($0.rate ?? .infinity) < threshold && ($0.ci?.1 ?? .infinity) < threshold }
                .sorted { ($0.version, $0.category ?? "") < ($1.version, $1.category ?? "") }
        } ?? []
    }

    /// The two-sided p of a pooled two-proportion z-test of rates `a` (of `n` samples) and `b` (of `m`).
    public static func twoProportionP(_ a: Double, _ n: Int, _ b: Double, _ m: Int) -> Double? {
        guard n > 0, m > 0 else { return nil }
        let pooled = (a * Double(n) + b * Double(m)) / Double(n + m)
        let spread = (pooled * (1 - pooled) * (1 / Double(n) + 1 / Double(m))).squareRoot()
        guard spread > 0 else { return a == b ? 1 : 0 }
        return erfc(abs(b - a) / spread / 2.squareRoot())
    }

    public var json: JSONValue {
        func row(_ r: Row) -> JSONValue {
            var members: [(key: String, value: JSONValue)] = [("start", .string(r.start)), ("version", .string(r.version))]
            if let category = r.category { members.append(("category", .string(category))) }
            members += [("judged", .int(r.judged)), ("rate", Rounded.number(r.rate)), ("ci95", Rounded.interval(r.ci)),
                        ("change", Rounded.number(r.change)), ("p_value", r.pValue.map { .double(($0 * 1e6).rounded() / 1e6) } ?? .null)]
            return .object(members)
        }
        return ["scale": .string(scale.rawValue), "by": .string(period.rawValue), "periods": .array(rows.map(row)),
                "alerts": .array(alerts.map { ["version": .string($0.version), "period": .string($0.start), "rate": Rounded.number($0.rate),
                                                "ci95": Rounded.interval($0.ci)] })]
    }
}
