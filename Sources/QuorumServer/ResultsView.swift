import Foundation
import QuorumCore
import QuorumStore

/// A judging project's results as the `results` template shows them: each pair's win rate as a dot on a line
/// from 0 to 1 with its item-bootstrap interval as a whisker and the even mark at 0.5, the figures beside it;
/// ratings as means with whiskers on the scale. Coordinates are worked out here; Mustache escapes every value.
struct ResultsView {
    let results: JudgingResults
    let project: Project

    static let left = 230.0, width = 360.0, rowHeight = 30.0

    func name(_ run: String) -> String { Int64(run).map(results.setup.name(of:)) ?? run }
    static func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
    static func interval(_ ci: (Double, Double)?) -> String { ci.map { "\(percent($0.0)) – \(percent($0.1))" } ?? "–" }

    /// One chart row: a label, a whisker from lo to hi and a dot, on a scale from `low` to `high`.
    static func row(_ index: Int, label: String, value: Double?, ci: (Double, Double)?, low: Double = 0, high: Double = 1, text: String) -> [String: Any] {
        func x(_ v: Double) -> String { String(format: "%.1f", left + (v - low) / (high - low) * width) }
        let y = Double(index) * rowHeight + 10
        var row: [String: Any] = ["label": label, "y": String(format: "%.1f", y), "mid": String(format: "%.1f", y + 10),
                                  "textX": String(format: "%.1f", left + width + 10), "text": text]
        if let value { row["x"] = x(value) }
        if let ci { row["lo"] = x(ci.0); row["hi"] = x(ci.1) }
        return row
    }

    func pairs(_ results: PairwiseResults) -> [String: Any] {
        let rows = results.pairs.enumerated().map { index, pair in
            Self.row(index, label: "\(name(pair.a)) vs \(name(pair.b))", value: pair.winRate, ci: pair.bootstrapCI, text: Self.percent(pair.winRate))
        }
        var context: [String: Any] = [
            "chartHeight": Double(max(results.pairs.count, 1)) * Self.rowHeight + 20, "rows": rows,
            "even": String(format: "%.1f", Self.left + Self.width / 2), "axisStart": Self.left, "axisEnd": Self.left + Self.width,
            "pairs": results.pairs.map { pair -> [String: Any] in
                ["a": name(pair.a), "b": name(pair.b), "votes": pair.votes, "wins": pair.wins, "losses": pair.losses, "ties": pair.ties,
                 "bothBad": pair.bothBad, "winRate": Self.percent(pair.winRate), "wilson": Self.interval(pair.winRateCI),
                 "bootstrap": Self.interval(pair.bootstrapCI), "decisive": Self.percent(pair.decisiveWinRate),
                 "decisiveCI": Self.interval(pair.decisiveCI), "p": String(format: "%.4g", pair.signTestP),
                 "holm": String(format: "%.4g", pair.signTestPHolm)]
            },
            "leftShare": Self.percent(results.leftShare), "leftCI": Self.interval(results.leftShareCI),
            "alpha": JudgingResults.figure(results.alpha), "percentAgreement": Self.percent(results.percentAgreement),
            "alphaDecisive": JudgingResults.figure(results.alphaDecisive),
        ]
        if let bt = results.bradleyTerry {
            context["hasBradleyTerry"] = true
            context["bradleyTerry"] = bt.strengths.sorted { $0.value > $1.value }.map { run, strength -> [String: Any] in
                ["run": name(run), "strength": JudgingResults.figure(strength), "ci": bt.ci[run].map { "\(JudgingResults.figure($0.0)) – \(JudgingResults.figure($0.1))" } ?? "–",
                 "beats": (bt.winProbability[run] ?? [:]).sorted { $0.key < $1.key }.map { "\(name($0.key)): \(Self.percent($0.value))" }.joined(separator: "; ")]
            }
        }
        return context
    }

    func ratings(_ results: RatingResults) -> [String: Any] {
        let values = results.scale.values
        let low = results.scale.score(values.first!)!, high = results.scale.score(values.last!)!
        let rows = results.rows.enumerated().map { index, row in
            Self.row(index, label: "\(name(row.run)) · \(row.criterion)", value: row.mean, ci: row.ci, low: low, high: high,
                     text: JudgingResults.figure(row.mean))
        }
        return ["chartHeight": Double(max(results.rows.count, 1)) * Self.rowHeight + 20, "rows": rows,
                "axisStart": Self.left, "axisEnd": Self.left + Self.width,
                "table": results.rows.map { row -> [String: Any] in
                    ["run": name(row.run), "criterion": row.criterion, "ratings": row.ratings, "mean": JudgingResults.figure(row.mean),
                     "ci": row.ci.map { "\(JudgingResults.figure($0.0)) – \(JudgingResults.figure($0.1))" } ?? "–",
                     "counts": zip(values, row.counts).map { "\($0): \($1)" }.joined(separator: ", ")]
                },
                "alpha": JudgingResults.figure(results.alpha), "percentAgreement": Self.percent(results.percentAgreement),
                "criteriaAlpha": results.criterionAlpha.map { ["criterion": $0.criterion, "alpha": JudgingResults.figure($0.alpha)] }]
    }

    func context(session: Session, by: String) -> [String: Any] {
        var page: [String: Any] = [
            "title": "Results · \(project.name)", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf,
            "isAdmin": session.user.role == .admin, "projectID": project.id, "project": project.name, "by": by,
            "judgements": results.judgements, "isCompare": project.kind == .compare, "source": results.setup.source,
            "runs": results.setup.runs.map { ["name": results.setup.name(of: $0)] },
        ]
        if let pairwise = results.pairwise { page["overall"] = pairs(pairwise) }
        if let ratings = results.ratings { page["ratings"] = self.ratings(ratings) }
        page["criteria"] = results.criteria.map { ["name": $0.name, "results": pairs($0.results)] }
        if let groups = results.groups {
            page["field"] = groups.field
            page["groups"] = groups.values.map { group -> [String: Any] in
                var context: [String: Any] = ["value": group.value, "judgements": group.judgements, "field": groups.field]
                if let results = group.pairwise { context["pairwise"] = pairs(results) }
                if let results = group.ratings { context["rated"] = ratings(results) }
                return context
            }
        }
        return page
    }
}
