/// A judging project's results: for a comparison the pairwise statistics overall, per criterion and per value of
/// a source item's field (`--by FIELD`); for ratings the means and rater agreement, likewise. Runs are named by id
/// in the figures and by their names in `runs` (leads see who is who; annotators never get here).
public struct JudgingResults: Sendable {
    public let kind: ProjectKind
    public let setup: JudgingSetup
    public let judgements: Int
    public let pairwise: PairwiseResults?
    public let criteria: [(name: String, results: PairwiseResults)]
    public let ratings: RatingResults?
    /// The field grouped by and each of its values' results (items without the field under "(none)").
    public let groups: (field: String, values: [(value: String, judgements: Int, pairwise: PairwiseResults?, ratings: RatingResults?)])?

    public static let noValue = "(none)"

    /// `groupOf`: each source item's value of the field grouped by, when one is asked for.
    public init(kind: ProjectKind, setup: JudgingSetup, judgements: [Judgement], by field: String? = nil, groupOf: [Int64: String] = [:]) {
        self.kind = kind
        self.setup = setup
        self.judgements = judgements.count
        let runs = setup.runs.map(String.init)
        func compared(_ judgements: [Judgement], _ criterion: String? = nil) -> PairwiseResults? {
            guard kind == .compare else { return nil }
            return PairwiseResults(votes: judgements.compactMap { $0.vote(on: criterion) }, runs: runs)
        }
        func rated(_ judgements: [Judgement]) -> RatingResults? {
            guard kind == .rate, let scale = setup.scale else { return nil }
            return RatingResults(judgements: judgements, scale: scale, runs: runs, criteria: setup.criteria)
        }
        pairwise = compared(judgements)
        criteria = kind == .compare ? setup.criteria.compactMap { name in compared(judgements, name).map { (name, $0) } } : []
        ratings = rated(judgements)
        if let field {
            var byValue: [String: [Judgement]] = [:]
            for judgement in judgements { byValue[groupOf[judgement.sourceItem] ?? Self.noValue, default: []].append(judgement) }
            groups = (field, byValue.sorted { $0.key < $1.key }.map { ($0.key, $0.value.count, compared($0.value), rated($0.value)) })
        } else {
            groups = nil
        }
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("kind", .string(kind.rawValue)), ("judgements", .int(judgements)),
            ("runs", .object(setup.runs.map { (key: String($0), value: .string(setup.name(of: $0))) })),
        ]
        members += pairwise?.json.objectValue ?? []
        members += ratings?.json.objectValue ?? []
        if !criteria.isEmpty { members.append(("criteria", .object(criteria.map { (key: $0.name, value: $0.results.json) }))) }
        if let groups {
            members.append(("by", ["field": .string(groups.field), "groups": .array(groups.values.map { group in
                .object([(key: "value", value: .string(group.value)), (key: "judgements", value: .int(group.judgements))]
                        + (group.pairwise?.json.objectValue ?? []) + (group.ratings?.json.objectValue ?? []))
            })]))
        }
        return .object(members)
    }

    /// The results as the terminal shows them.
    public var text: String {
        guard judgements > 0 else {
            return "No judgements yet: make judges members of the project (quorum project add-member) and let them judge it in the browser."
        }
        var lines = ["\(kind == .compare ? "Comparison" : "Ratings"): \(judgements) judgement\(judgements == 1 ? "" : "s")."]
        if let pairwise { lines += Self.lines(pairwise, setup: setup, indent: "") }
        for (name, results) in criteria {
            lines.append("")
            lines.append("Criterion \"\(name)\":")
            lines += Self.lines(results, setup: setup, indent: "  ")
        }
        if let ratings { lines += Self.lines(ratings, setup: setup, indent: "") }
        if let groups {
            for group in groups.values {
                lines.append("")
                lines.append("\(groups.field) = \(group.value) (\(group.judgements) judgements):")
                if let results = group.pairwise { lines += Self.lines(results, setup: setup, indent: "  ") }
                if let results = group.ratings { lines += Self.lines(results, setup: setup, indent: "  ") }
            }
        }
        return lines.joined(separator: "\n")
    }

    public static func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
    static func range(_ ci: (Double, Double)?) -> String { ci.map { "[\(figure($0.0)), \(figure($0.1))]" } ?? "" }

    static func lines(_ results: PairwiseResults, setup: JudgingSetup, indent: String) -> [String] {
        func name(_ run: String) -> String { Int64(run).map(setup.name(of:)) ?? run }
        var lines: [String] = []
        for pair in results.pairs {
            lines.append("\(indent)\(name(pair.a)) vs \(name(pair.b)): \(pair.votes) votes, \(pair.wins) wins, \(pair.losses) losses, "
                         + "\(pair.ties) ties, \(pair.bothBad) both bad")
            lines.append("\(indent)  win rate \(figure(pair.winRate)) \(range(pair.winRateCI)) (items resampled \(range(pair.bootstrapCI))); "
                         + "decisive \(figure(pair.decisiveWinRate)) \(range(pair.decisiveCI)); sign test p = \(String(format: "%.4g", pair.signTestP))"
                         + (results.pairs.count > 1 ? " (Holm, over the \(results.pairs.count) pairs: \(String(format: "%.4g", pair.signTestPHolm)))" : ""))
        }
        lines.append("\(indent)Left answer chosen in \(figure(results.leftShare)) \(range(results.leftShareCI)) of decisive votes (0.5 is no side bias).")
        lines.append("\(indent)Agreement: alpha \(figure(results.alpha)), \(figure(results.percentAgreement)) agree; "
                     + "alpha on decisive votes \(figure(results.alphaDecisive)).")
        if let bt = results.bradleyTerry {
            for run in bt.strengths.keys.sorted(by: { bt.strengths[$0]! > bt.strengths[$1]! }) {
                lines.append("\(indent)Bradley–Terry \(name(run)): \(figure(bt.strengths[run])) \(range(bt.ci[run]))")
            }
        }
        return lines
    }

    static func lines(_ results: RatingResults, setup: JudgingSetup, indent: String) -> [String] {
        var lines = results.rows.map { row in
            "\(indent)\(Int64(row.run).map(setup.name(of:)) ?? row.run), \(row.criterion): mean \(figure(row.mean)) \(range(row.ci)) over \(row.ratings) ratings"
        }
        lines.append("\(indent)Agreement: ordinal alpha \(figure(results.alpha)), \(figure(results.percentAgreement)) agree.")
        return lines
    }
}
