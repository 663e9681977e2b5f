import Foundation
import QuorumCore

/// The dashboard's figures as the `dashboard` template shows them, charts included: SVG drawn here, each bar and
/// point carrying its number as text so nothing is told by colour alone.
struct DashboardView {
    let project: Project
    let agreement: ProjectAgreement
    let activity: [(annotator: String, submitted: Int, seconds: [Double])]
    let snapshots: [JSONValue]
    let pair: (String?, String?)
    /// Each suggesting run's figures, newest first.
    var suggesting: [SuggestionFigures] = []

    static func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "undefined" }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var context: [String: Any] {
        let most = max(1, activity.map(\.submitted).max() ?? 1)
        let flagged = Dictionary(agreement.flagged.map { ($0.annotator, $0.reason) }, uniquingKeysWith: { a, b in a + "; " + b })
        let people: [[String: Any]] = activity.map { entry in
            let hours = entry.seconds.reduce(0, +) / 3600
            var person: [String: Any] = ["name": entry.annotator, "submitted": entry.submitted, "width": Int(Double(entry.submitted) / Double(most) * 200),
                    "perHour": hours > 0 ? String(format: "%.0f", Double(entry.submitted) / hours) : "—",
                    "median": Self.median(entry.seconds).map { String(format: "%.1f s", $0) } ?? "—",
                    "withOthers": Self.figure(agreement.withOthers[entry.annotator]),
                    "withGold": agreement.withGold[entry.annotator].map { "\(Self.figure($0.agreement)) over \($0.items)" } ?? "no gold yet"]
            // Only the flagged get the key: the template shows the flag wherever the key is there, even empty.
            if let flag = flagged[entry.annotator] { person["flag"] = flag }
            return person
        }
        var context: [String: Any] = [
            "people": people, "hasPeople": !people.isEmpty, "hasSuggesting": !suggesting.isEmpty,
            "suggesting": suggesting.map { figures -> [String: Any] in
                func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
                return ["run": figures.run, "withGold": percent(figures.withGold.percent),
                        "shown": percent(figures.shown.agreement.percent), "shownItems": figures.shown.items,
                        "withheld": percent(figures.withheld.agreement.percent), "withheldItems": figures.withheld.items,
                        "people": figures.withAnnotators.map { name, a -> [String: Any] in
                            ["name": name, "agrees": percent(a.percent), "kappa": Self.figure(a.kappa),
                             "accepted": percent(figures.acceptance.first { $0.annotator == name }?.share)]
                        }]
            },
            "coefficient": agreement.coefficient, "value": Self.figure(agreement.value),
            "answers": agreement.answers, "shared": agreement.sharedItems,
            "perLabel": agreement.perLabel.map { label, a -> [String: Any] in
                let alpha = a.krippendorffAlpha
                return ["label": label, "alpha": Self.figure(alpha), "percent": Self.figure(a.percentAgreement),
                        "width": alpha.map { Int(max(0, $0) * 200) } ?? 0]
            },
            "hasPerLabel": !agreement.perLabel.isEmpty,
            "flagged": agreement.flagged.map { ["name": $0.annotator, "reason": $0.reason] },
            "hasFlagged": !agreement.flagged.isEmpty,
        ]
        if let c = agreement.categorical {
            context["details"] = "percent agreement \(Self.figure(c.percentAgreement)), Fleiss' kappa \(Self.figure(c.fleissKappa)), Gwet's AC1 \(Self.figure(c.gwetAC1))"
        }
        if let spans = agreement.spans {
            context["details"] = "overlap F1 \(Self.figure(spans.overlapF1)); token-level alpha \(Self.figure(agreement.tokens?.krippendorffAlpha))"
        }
        if !agreement.editDistance.isEmpty {
            context["hasDistances"] = true
            context["distances"] = agreement.editDistance.map { ["a": $0.annotators.0, "b": $0.annotators.1, "items": $0.items, "mean": Self.figure($0.mean)] }
        }
        context["trend"] = trend
        if project.kind == .classify, !project.multiLabel, agreement.annotators.count >= 2 {
            let a = pair.0.flatMap { agreement.annotators.contains($0) ? $0 : nil } ?? agreement.annotators[0]
            let b = pair.1.flatMap { agreement.annotators.contains($0) && $0 != a ? $0 : nil } ?? agreement.annotators.first { $0 != a }!
            let matrix = agreement.confusion(a, b)
            context["confusion"] = [
                "a": a, "b": b,
                "choicesA": agreement.annotators.map { ["name": $0, "selected": $0 == a] },
                "choicesB": agreement.annotators.map { ["name": $0, "selected": $0 == b] },
                "columns": matrix.labels,
                "rows": matrix.labels.enumerated().map { i, label -> [String: Any] in
                    ["label": label, "cells": matrix.counts[i].enumerated().map { j, n in ["count": n, "same": i == j] }]
                },
            ] as [String: Any]
        }
        return context
    }

    /// The snapshots as a line chart: x by snapshot, y the coefficient from −1 (or 0) to 1.
    var trend: [String: Any]? {
        let points = snapshots.compactMap { s -> (String, Double, Int)? in
            guard let v = s["value"]?.doubleValue else { return nil }
            return (s["taken_at"]?.stringValue ?? "", v, s["annotations"]?.intValue ?? 0)
        }
        guard !points.isEmpty else { return nil }
        let low = min(0, points.map(\.1).min() ?? 0)
        let width = 480.0, height = 160.0
        func x(_ i: Int) -> Double { points.count == 1 ? width / 2 : 20 + Double(i) * (width - 40) / Double(points.count - 1) }
        func y(_ v: Double) -> Double { 10 + (1 - (v - low) / (1 - low)) * (height - 30) }
        return [
            "line": points.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element.1)) }.joined(separator: " "),
            "points": points.enumerated().map { i, p -> [String: Any] in
                ["x": String(format: "%.1f", x(i)), "y": String(format: "%.1f", y(p.1)), "label": Self.figure(p.1),
                 "title": "\(p.0): \(Self.figure(p.1)) after \(counted(p.2, "answer"))"]
            },
            "zero": String(format: "%.1f", y(0)), "one": String(format: "%.1f", y(1)),
            "coefficient": snapshots.last?["coefficient"]?.stringValue ?? "",
        ]
    }
}
