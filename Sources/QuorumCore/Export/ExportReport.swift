import Foundation

/// What an export wrote and why: counts, every item left out with its reason, duplicates, contradictions, class
/// balance, who wrote the answers, tokens and cost, and the SHA-256 of each file. Written as `report.json` and
/// `report.md`; it holds no clock time, so the same export gives the same report.
public struct ExportReport {
    public struct File: Sendable {
        public var split: ExportPlan.Split
        public var name: String
        public var lines: Int
        public var bytes: Int
        public var sha256: String
        /// The targets that take the file as it is (their line rules and file rules).
        public var validFor: [ExportTarget]

        public init(split: ExportPlan.Split, name: String, lines: Int, bytes: Int, sha256: String, validFor: [ExportTarget] = []) {
            self.split = split
            self.name = name
            self.lines = lines
            self.bytes = bytes
            self.sha256 = sha256
            self.validFor = validFor
        }
    }

    public struct Quote: Sendable {
        public var itemID: Int64
        public var answer: String

        public init(itemID: Int64, answer: String) {
            self.itemID = itemID
            self.answer = answer
        }
    }

    public let project: Project
    public let plan: ExportPlan
    public let files: [File]
    /// Each contradiction group's answers, quoted.
    public let contradictions: [[Quote]]
    public let estimate: FineTuningEstimate?
    public let tokensAreExact: Bool
    public private(set) var warnings: [String] = []

    public init(project: Project, plan: ExportPlan, files: [File], contradictions: [[Quote]], tokensAreExact: Bool) {
        self.project = project
        self.plan = plan
        self.files = files
        self.contradictions = contradictions
        self.tokensAreExact = tokensAreExact
        let settings = plan.settings
        estimate = settings.format.isFineTuningJSONL && !plan.trainTokens.isEmpty
            ? FineTuningEstimate(model: settings.model, contextLimit: FineTuningEstimate.contextLimits[settings.model] ?? 65_536,
                                 pricePerMillion: settings.pricePerMillion, lengths: plan.trainTokens)
            : nil
        let total = plan.authors.reduce(0) { $0 + $1.answers }
        if let top = plan.authors.first(where: { $0.name != ExportPolicy.importedAuthor }), total > 0, top.answers / total > 0.5 {
            warnings.append("\(top.name) wrote \(Self.percent(top.answers / total)) of the exported answers: a model fine-tuned on one person's style generalises poorly; spread the work or review it")
        }
        let trained = plan.balance.reduce(0) { $0 + ($1.counts[.train] ?? 0) }
        if let top = plan.balance.max(by: { ($0.counts[.train] ?? 0) < ($1.counts[.train] ?? 0) }), trained > 0,
           plan.balance.count > 1, Double(top.counts[.train] ?? 0) / Double(trained) >= 0.9 {
            warnings.append("\"\(top.label)\" is \(Self.percent(Double(top.counts[.train] ?? 0) / Double(trained))) of the train file: the model will learn to answer it almost always")
        }
        for label in project.labels where project.kind == .classify && (plan.balance.first { $0.label == label }?.counts[.train] ?? 0) == 0 {
            warnings.append("no train example has the label \"\(label)\"")
        }
        if settings.keepContradictions, !contradictions.isEmpty {
            warnings.append("\(contradictions.count) contradictions kept (--keep-contradictions): the model sees the same prompt with different answers")
        }
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    public var count: (train: Int, validation: Int, holdout: Int) {
        (plan.files[.train]?.count ?? 0, plan.files[.validation]?.count ?? 0, plan.files[.holdout]?.count ?? 0)
    }

    /// Says nothing of what this run drew into the hold-out set (a second run draws nothing), so that
    /// exporting the same data twice gives the same report.
    public var json: JSONValue {
        let total = plan.authors.reduce(0) { $0 + $1.answers }
        let counts: JSONValue = ["items": .int(plan.items), "exported": .int(plan.exported), "train": .int(count.train),
                                 "validation": .int(count.validation), "holdout": .int(count.holdout), "excluded": .int(plan.excluded.count)]
        let excludedJSON: JSONValue = [
            "by_reason": .object(plan.excludedByReason.map { (key: $0.reason.rawValue, value: .int($0.count)) }),
            "items": .array(plan.excluded.map {
                ["item_id": .number(String($0.itemID)), "external_id": $0.externalID.map { .string($0) } ?? .null,
                 "reason": .string($0.reason.rawValue), "detail": .string($0.detail)]
            }),
        ]
        var members: [(key: String, value: JSONValue)] = [
            ("project", ["id": .number(String(project.id)), "name": .string(project.name), "kind": .string(project.kind.rawValue)]),
            ("settings", plan.settings.json),
            ("counts", counts),
            ("excluded", excludedJSON),
            ("duplicates", .array(plan.duplicates.map { ["kept": .number(String($0.kept)), "removed": .array($0.removed.map { .number(String($0)) })] })),
            ("contradictions", .array(contradictions.map { group in
                ["kept": .bool(plan.settings.keepContradictions),
                 "items": .array(group.map { ["item_id": .number(String($0.itemID)), "answer": .string($0.answer)] })]
            })),
            ("balance", .array(plan.balance.map { entry in
                .object([(key: "label", value: .string(entry.label))] + ExportPlan.Split.allCases.map { (key: $0.rawValue, value: .int(entry.counts[$0] ?? 0)) })
            })),
            ("authors", .array(plan.authors.map {
                ["name": .string($0.name), "answers": .double(($0.answers * 100).rounded() / 100), "share": .double(total > 0 ? (($0.answers / total) * 1000).rounded() / 1000 : 0)]
            })),
            ("tokens", estimate.map { e -> JSONValue in
                var object = e.json
                if case .object(var m) = object {
                    m.insert((key: "exact", value: .bool(tokensAreExact)), at: 0)
                    m.insert((key: "train_tokens", value: .int(plan.trainTokens.reduce(0) { $0 + Int($1) })), at: 1)
                    m.insert((key: "tokenizer", value: .string(plan.settings.target.tokenizerNote)), at: 2)
                    object = .object(m)
                }
                return object
            } ?? .null),
            ("warnings", .array(warnings.map { .string($0) })),
            ("dropped", plan.dropped.isEmpty ? .null : .array(plan.dropped.map {
                ["what": .string($0.what), "items": .int($0.items.count), "item_ids": .array($0.items.map { .number(String($0)) })]
            })),
            ("files", .array(files.map {
                ["name": .string($0.name), "split": .string($0.split.rawValue), "lines": .int($0.lines), "bytes": .int($0.bytes), "sha256": .string($0.sha256),
                 "valid_for": .array($0.validFor.map { .string($0.rawValue) })]
            })),
        ]
        members = members.filter { !$0.value.isNull }
        return .object(members)
    }

    /// The same, for people: a Markdown page (the export page renders it).
    public var markdown: String {
        var md = "# Export of \(project.name)\n\n"
        let s = plan.settings
        md += "Target `\(s.target.rawValue)`, format `\(s.format.rawValue)`, consensus `\(s.consensus)`, validation \(s.validationFraction), hold-out \(s.holdout), seed \(s.seed), model `\(s.model)`.\n\n"
        md += "| | items |\n|---|---:|\n| in the project | \(plan.items) |\n| exported | \(plan.exported) |\n"
        md += "| train | \(count.train) |\n| validation | \(count.validation) |\n| hold-out | \(count.holdout) |\n| left out | \(plan.excluded.count) |\n\n"
        if !warnings.isEmpty {
            md += "## Warnings\n\n" + warnings.map { "- \(Self.escape($0))\n" }.joined() + "\n"
        }
        if !plan.excluded.isEmpty {
            md += "## Left out\n\n| reason | items |\n|---|---:|\n"
            md += plan.excludedByReason.map { "| \($0.reason.rawValue) | \($0.count) |\n" }.joined() + "\n"
            for (reason, count) in plan.excludedByReason {
                let listed = plan.excluded.lazy.filter { $0.reason == reason }.prefix(50)
                md += "**\(reason.rawValue)**: " + listed.map { e in
                    "item \(e.itemID)" + (e.externalID.map { " (\(Self.escape($0)))" } ?? "") + (e.detail.isEmpty ? "" : " — \(Self.escape(e.detail))")
                }.joined(separator: "; ") + (count > 50 ? "; … \(count - 50) more in report.json" : "") + "\n\n"
            }
        }
        if !plan.dropped.isEmpty {
            md += "## Dropped for \(s.target.rawValue)\n\nWhat the target cannot carry, left out of these items' lines (every item in report.json):\n\n"
            md += plan.dropped.map { entry in
                "- \(Self.escape(entry.what)): \(entry.items.count) items (" + entry.items.prefix(20).map { "item \($0)" }.joined(separator: ", ")
                    + (entry.items.count > 20 ? ", …" : "") + ")\n"
            }.joined() + "\n"
        }
        if !contradictions.isEmpty {
            md += "## Contradictions (\(s.keepContradictions ? "kept" : "left out"))\n\n"
            for group in contradictions.prefix(50) {
                md += group.map { "- item \($0.itemID): \(Self.escape($0.answer))\n" }.joined() + "\n"
            }
        }
        if !plan.balance.isEmpty {
            md += "## Class balance\n\n| label | train | validation | hold-out |\n|---|---:|---:|---:|\n"
            md += plan.balance.map { "| \(Self.escape($0.label)) | \($0.counts[.train] ?? 0) | \($0.counts[.validation] ?? 0) | \($0.counts[.holdout] ?? 0) |\n" }.joined() + "\n"
        }
        if !plan.authors.isEmpty {
            let total = plan.authors.reduce(0) { $0 + $1.answers }
            md += "## Who wrote the answers\n\n| author | answers | share |\n|---|---:|---:|\n"
            md += plan.authors.map { "| \(Self.escape($0.name)) | \(String(format: "%.1f", $0.answers)) | \(Self.percent($0.answers / total)) |\n" }.joined() + "\n"
        }
        if let e = estimate {
            md += "## Tokens and cost (train file)\n\n"
            md += "\(plan.trainTokens.reduce(0) { $0 + Int($1) }) tokens\(tokensAreExact ? "" : " (estimated: tokenizer not found)") counted with \(s.target.tokenizerNote); "
            md += "\(e.epochs) epochs × \(e.billingTokensPerEpoch) billed tokens = \(e.billingTokens) tokens, about $\(String(format: "%.2f", e.cost)) on `\(e.model)`.\n\n"
        }
        md += "## Files\n\n| file | lines | bytes | SHA-256 | valid as it is for |\n|---|---:|---:|---|---|\n"
        md += files.map { "| \($0.name) | \($0.lines) | \($0.bytes) | `\($0.sha256)` | \($0.validFor.map(\.rawValue).joined(separator: ", ")) |\n" }.joined()
        return md
    }

    /// Table cells and list items must not be broken by the text they quote.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "|", "\\", "*", "_", "`", "[", "]", "<", ">", "#": out += "\\" + String(c)
            case "\n", "\r": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// The answer a stored record gives, for quoting a contradiction.
    public static func quote(record: String) -> String {
        guard let value = try? JSONParser.parse(record) else { return String(record.prefix(200)) }
        let answer = (value["messages"]?.arrayValue?.last ?? value["preferred_output"]?.arrayValue?.last)
            .map { ([$0.contentText] + $0.toolCallTexts).filter { !$0.isEmpty }.joined(separator: "\n") }
            ?? value["label"]?.jsonText ?? record
        return answer.count > 200 ? String(answer.prefix(199)) + "…" : answer
    }
}
