import Foundation
import QuorumCore
import QuorumStore

/// A watch project's trend as the `watch` template shows it: per model version a line through its rate per period
/// and a band for the interval (SVG worked out here, every point with its number as text too), the table, the alerts.
struct WatchView {
    let trend: WatchTrend
    let project: Project

    static let left = 50.0, width = 560.0, top = 10.0, height = 200.0

    func context(session: Session, by category: String) -> [String: Any] {
        let starts = Array(Set(trend.rows.map(\.start))).sorted()
        let (low, high) = trend.scale == .passFail ? (0.0, 1.0) : (1.0, 5.0)
        func x(_ start: String) -> Double {
            let i = Double(starts.firstIndex(of: start) ?? 0)
            return Self.left + (starts.count > 1 ? i / Double(starts.count - 1) * Self.width : Self.width / 2)
        }
        func y(_ v: Double) -> Double { Self.top + (1 - (v - low) / (high - low)) * Self.height }
        func point(_ a: Double, _ b: Double) -> String { String(format: "%.1f,%.1f", a, b) }
        let overall = trend.rows.filter { $0.category == nil }
        let versions = Array(Set(overall.map(\.version))).sorted()
        let lines = versions.enumerated().map { n, version -> [String: Any] in
            let rows = overall.filter { $0.version == version && $0.rate != nil }
            let upper = rows.map { point(x($0.start), y($0.ci?.1 ?? $0.rate!)) }
            let lower = rows.reversed().map { point(x($0.start), y($0.ci?.0 ?? $0.rate!)) }
            return ["version": version, "style": "v\(n % 6)", "line": rows.map { point(x($0.start), y($0.rate!)) }.joined(separator: " "),
                    "band": (upper + lower).joined(separator: " "),
                    "points": rows.map { ["cx": String(format: "%.1f", x($0.start)), "cy": String(format: "%.1f", y($0.rate!)),
                                          "label": "\(version) \($0.start): \(Self.figure($0.rate, trend.scale))"] }]
        }
        return [
            "title": "Watch · \(project.name)", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf,
            "isAdmin": session.user.role == .admin, "projectID": project.id, "project": project.name, "by": trend.period.rawValue,
            "periods": WatchTrend.Period.allCases.map { ["name": $0.rawValue, "selected": $0 == trend.period] },
            "category": category, "isPassFail": trend.scale == .passFail, "alertBelow": project.judging?.alertBelow.map { Self.figure($0, trend.scale) } ?? "",
            "hasRows": !trend.rows.isEmpty, "lines": lines, "axisY": String(format: "%.1f", Self.top + Self.height),
            "axisEnd": Self.left + Self.width, "low": Self.figure(low, trend.scale), "high": Self.figure(high, trend.scale),
            "ticks": starts.map { ["x": String(format: "%.1f", x($0)), "label": $0] }, "chartHeight": Self.top + Self.height + 30,
            "rows": trend.rows.map { row -> [String: Any] in
                ["start": row.start, "version": row.version, "category": row.category ?? "", "judged": row.judged,
                 "rate": Self.figure(row.rate, trend.scale),
                 "ci": row.ci.map { "\(Self.figure($0.0, trend.scale)) – \(Self.figure($0.1, trend.scale))" } ?? "–",
                 "change": row.change.map { trend.scale == .passFail ? String(format: "%+.1f points", $0 * 100) : String(format: "%+.2f", $0) } ?? "–",
                 "p": row.pValue.map { String(format: "%.4g", $0) } ?? "–"]
            },
            "hasAlerts": !trend.alerts.isEmpty,
            "alerts": trend.alerts.map { ["version": $0.version, "start": $0.start, "rate": Self.figure($0.rate, trend.scale),
                                          "ci": $0.ci.map { "\(Self.figure($0.0, trend.scale)) – \(Self.figure($0.1, trend.scale))" } ?? "–"] },
        ]
    }

    static func figure(_ x: Double?, _ scale: JudgingSetup.Scale) -> String {
        guard let x else { return "–" }
        return scale == .passFail ? String(format: "%.1f%%", x * 100) : String(format: "%.2f", x)
    }
}
