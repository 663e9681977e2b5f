/// What a judging project (kind `compare` or `rate`) was made from and how its items are judged: the source
/// project, the runs whose answers are judged in the order the lead gave them (a pair's a comes first), which pairs,
/// the rating scale, and the criteria judged besides the overall verdict.
public struct JudgingSetup: Equatable, Sendable {
    public enum Pairs: String, Sendable, CaseIterable {
        /// Every pair of runs.
        case all
        /// Each run against the first.
        case first
    }

    public enum Scale: String, Sendable, CaseIterable {
        case passFail = "pass-fail"
        case oneToFive = "1-5"

        /// The values in order, worst first: the project's labels, and the order ordinal agreement goes by.
        public var values: [String] {
            switch self {
            case .passFail: return ["fail", "pass"]
            case .oneToFive: return ["1", "2", "3", "4", "5"]
            }
        }

        /// A value as a number for means: fail 0, pass 1; 1 … 5 as they are.
        public func score(_ value: String) -> Double? {
            switch self {
            case .passFail: return value == "pass" ? 1 : value == "fail" ? 0 : nil
            case .oneToFive: return Int(value).flatMap { (1...5).contains($0) ? Double($0) : nil }
            }
        }
    }

    public var source: Int64
    public var runs: [Int64]
    public var pairs: Pairs
    /// Set for `rate` projects only.
    public var scale: Scale?
    public var criteria: [String]
    /// Each run's name as leads see it ("run 12 · gpt-4o-mini"), kept with the project so its results read the
    /// same if the source project's runs go.
    public var runNames: [Int64: String]
    /// Watch projects: the share of the samples sent that is kept (seeded by the sample's content), and the rate
    /// under which a model version is flagged.
    public var sampleRate: Double = 1
    public var alertBelow: Double?

    public init(source: Int64, runs: [Int64], pairs: Pairs = .all, scale: Scale? = nil, criteria: [String] = [], runNames: [Int64: String] = [:]) {
        self.source = source
        self.runs = runs
        self.pairs = pairs
        self.scale = scale
        self.criteria = criteria
        self.runNames = runNames
    }

    public func name(of run: Int64) -> String { runNames[run] ?? "run \(run)" }

    /// The pairs of runs judged, each in the order given (a before b).
    public var runPairs: [(a: Int64, b: Int64)] {
        switch pairs {
        case .first:
            return runs.dropFirst().map { (runs[0], $0) }
        case .all:
            return runs.indices.flatMap { i in runs.indices.filter { $0 > i }.map { (runs[i], runs[$0]) } }
        }
    }

    /// The labels a judging project's answers are stored as: a comparison's choices in the pair's terms, a rating's
    /// scale.
    public var labels: [String] { scale?.values ?? Vote.Choice.allCases.map(\.rawValue) }

    /// Criteria: short names, distinct, not empty; "overall" is the verdict itself.
    public static func criteria(from text: String) throws(FieldError) -> [String] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var seen = Set<String>()
        for name in names {
            guard name.count <= 40, name.lowercased() != "overall" else {
                throw FieldError("criteria", "\"\(name)\": a criterion is a name of at most 40 characters, and not \"overall\" (the verdict itself)")
            }
            guard seen.insert(name).inserted else { throw FieldError("criteria", "the criterion \"\(name)\" is given twice") }
        }
        guard names.count <= 12 else { throw FieldError("criteria", "at most 12 criteria (\(names.count) given)") }
        return names
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("source", .number(String(source))), ("runs", .array(runs.map { .number(String($0)) })),
            ("pairs", .string(pairs.rawValue)), ("criteria", .array(criteria.map { .string($0) })),
        ]
        if let scale { members.append(("scale", .string(scale.rawValue))) }
        members.append(("run_names", .object(runs.map { (key: String($0), value: .string(name(of: $0))) })))
        if sampleRate < 1 { members.append(("sample_rate", .double(sampleRate))) }
        if let alertBelow { members.append(("alert_below", .double(alertBelow))) }
        return .object(members)
    }

    public init?(json: JSONValue) {
        guard let source = json["source"]?.intValue, let runs = json["runs"]?.arrayValue?.compactMap(\.intValue) else { return nil }
        self.init(source: Int64(source), runs: runs.map(Int64.init), pairs: json["pairs"]?.stringValue.flatMap(Pairs.init(rawValue:)) ?? .all,
                  scale: json["scale"]?.stringValue.flatMap(Scale.init(rawValue:)),
                  criteria: json["criteria"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  runNames: Dictionary((json["run_names"]?.objectValue ?? []).compactMap { member in
                      Int64(member.key).flatMap { id in member.value.stringValue.map { (id, $0) } }
                  }, uniquingKeysWith: { a, _ in a }))
        sampleRate = json["sample_rate"]?.doubleValue ?? 1
        alertBelow = json["alert_below"]?.doubleValue
    }
}
