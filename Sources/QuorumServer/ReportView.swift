import Foundation
import QuorumCore

/// A `report.json` as the `report-body` template shows it (Mustache escapes every value).
enum ReportView {
    static func context(_ report: JSONValue) -> [String: Any] {
        func int(_ value: JSONValue?) -> Int { value?.intValue ?? 0 }
        let settings = report["settings"] ?? .null, counts = report["counts"] ?? .null
        let excludedItems = report["excluded"]?["items"]?.arrayValue ?? []
        let reasons: [[String: Any]] = (report["excluded"]?["by_reason"]?.objectValue ?? []).map { reason, count in
            let items = excludedItems.lazy.filter { $0["reason"]?.stringValue == reason }.prefix(50).map { item -> [String: Any] in
                ["itemID": item["item_id"]?.jsonText ?? "", "externalID": item["external_id"]?.stringValue ?? "", "detail": item["detail"]?.stringValue ?? ""]
            }
            return ["reason": reason, "count": int(count), "items": Array(items), "more": max(0, int(count) - 50)]
        }
        let balance = report["balance"]?.arrayValue ?? []
        let trained = balance.reduce(0) { $0 + int($1["train"]) }
        let contradictions = report["contradictions"]?.arrayValue ?? []
        let duplicates = report["duplicates"]?.arrayValue ?? []
        let authors = report["authors"]?.arrayValue ?? []
        let warnings = report["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var context: [String: Any] = [
            "project": report["project"]?["name"]?.stringValue ?? "", "format": settings["format"]?.stringValue ?? "",
            "consensus": settings["consensus"]?.stringValue ?? "", "validation": settings["validation"]?.jsonText ?? "0",
            "holdout": int(settings["holdout"]), "seed": settings["seed"]?.jsonText ?? "0", "model": settings["model"]?.stringValue ?? "",
            "items": int(counts["items"]), "exported": int(counts["exported"]), "train": int(counts["train"]),
            "validationCount": int(counts["validation"]), "holdoutCount": int(counts["holdout"]), "excluded": int(counts["excluded"]),
            "hasWarnings": !warnings.isEmpty, "warnings": warnings,
            "hasExcluded": !reasons.isEmpty, "reasons": reasons,
            "hasContradictions": !contradictions.isEmpty,
            "contradictionState": settings["keep_contradictions"] == .bool(true) ? "kept" : "left out",
            "contradictions": contradictions.prefix(50).map { group -> [String: Any] in
                ["items": (group["items"]?.arrayValue ?? []).map { ["itemID": $0["item_id"]?.jsonText ?? "", "answer": $0["answer"]?.stringValue ?? ""] }]
            },
            "hasDuplicates": !duplicates.isEmpty,
            "duplicates": duplicates.prefix(50).map { ["kept": $0["kept"]?.jsonText ?? "", "removed": ($0["removed"]?.arrayValue ?? []).map(\.jsonText).joined(separator: ", ")] },
            "hasBalance": !balance.isEmpty,
            "balance": balance.map { entry -> [String: Any] in
                let share = trained > 0 ? Double(int(entry["train"])) / Double(trained) : 0
                return ["label": entry["label"]?.stringValue ?? "", "train": int(entry["train"]), "validation": int(entry["validation"]),
                        "holdout": int(entry["holdout"]), "width": Int((share * 200).rounded()), "percent": String(format: "%.1f%%", share * 100)]
            },
            "hasAuthors": !authors.isEmpty,
            "authors": authors.map { ["name": $0["name"]?.stringValue ?? "", "answers": $0["answers"]?.jsonText ?? "",
                                      "percent": String(format: "%.1f%%", ($0["share"]?.doubleValue ?? 0) * 100)] },
            "files": (report["files"]?.arrayValue ?? []).map { ["name": $0["name"]?.stringValue ?? "", "lines": int($0["lines"]),
                                                                "bytes": int($0["bytes"]), "sha256": $0["sha256"]?.stringValue ?? "",
                                                                "validFor": ($0["valid_for"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")] },
            "target": report["settings"]?["target"]?.stringValue ?? "openai",
            "hasDropped": !(report["dropped"]?.arrayValue ?? []).isEmpty,
            "dropped": (report["dropped"]?.arrayValue ?? []).map { entry -> [String: Any] in
                let ids = (entry["item_ids"]?.arrayValue ?? []).prefix(20).map(\.jsonText)
                return ["what": entry["what"]?.stringValue ?? "", "items": int(entry["items"]),
                        "examples": ids.joined(separator: ", ") + (int(entry["items"]) > ids.count ? ", …" : "")]
            },
        ]
        if let tokens = report["tokens"], !tokens.isNull {
            context["tokens"] = ["trainTokens": int(tokens["train_tokens"]), "exact": tokens["exact"] == .bool(true),
                                 "epochs": int(tokens["epochs"]), "perEpoch": int(tokens["billing_tokens_per_epoch"]),
                                 "billing": int(tokens["billing_tokens"]), "cost": tokens["estimated_cost_usd"]?.jsonText ?? "",
                                 "model": tokens["model"]?.stringValue ?? ""]
        }
        return context
    }
}
