import Foundation

/// Counts and spreads of a data set.
public struct DatasetStats: Sendable {
    public var examples: Int
    public var messages: (min: Int, median: Int, max: Int)
    public var tokens: (min: Int, median: Int, p90: Int, max: Int, total: Int)
    public var assistantTokens: (median: Int, total: Int)

    init(lines: [Int32], tokens: [Int32], assistantTokens: [Int32], messageCounts: [UInt16]) {
        examples = lines.count
        func percentile<T: BinaryInteger>(_ sorted: [T], _ p: Double) -> Int {
            sorted.isEmpty ? 0 : Int(sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))])
        }
        let m = messageCounts.sorted(), t = tokens.sorted(), a = assistantTokens.sorted()
        messages = (Int(m.first ?? 0), percentile(m, 0.5), Int(m.last ?? 0))
        self.tokens = (Int(t.first ?? 0), percentile(t, 0.5), percentile(t, 0.9), Int(t.last ?? 0), t.reduce(0) { $0 + Int($1) })
        self.assistantTokens = (percentile(a, 0.5), a.reduce(0) { $0 + Int($1) })
    }

    public var json: JSONValue {
        ["examples": .int(examples),
         "messages_per_example": ["min": .int(messages.min), "median": .int(messages.median), "max": .int(messages.max)],
         "tokens_per_example": ["min": .int(tokens.min), "median": .int(tokens.median), "p90": .int(tokens.p90),
                                "max": .int(tokens.max), "total": .int(tokens.total)],
         "assistant_tokens": ["median_per_example": .int(assistantTokens.median), "total": .int(assistantTokens.total)]]
    }
}

/// Everything `quorum validate` found, as JSON and as text a person reads.
public struct ValidationReport: Sendable {
    public var format: DatasetValidator.Format
    public var tokensAreExact: Bool
    public var options: ValidationOptions
    public var errors: [ValidationIssue] = []
    public var warnings: [ValidationIssue] = []
    public var errorCount = 0
    public var warningCount = 0
    public var issueCounts: [String: Int] = [:]
    public var stats: DatasetStats? = nil
    public var duplicates: [[Int]] = []
    public var nearDuplicates: [[Int]] = []
    public var contradictions: [[(line: Int, answer: String?)]] = []
    public var contradictionCount = 0
    public var balance: [(answer: String, count: Int)]? = nil
    public var lengthOutliers: [Int] = []
    public var estimate: FineTuningEstimate? = nil
    /// Examples with tool definitions or tool calls: their counts follow OpenAI's published rendering of
    /// functions, an estimate (calls are not published at all).
    public var toolExamples = 0

    mutating func addBalanceWarnings() {
        guard let balance, let top = balance.first, let stats, stats.examples > 0 else { return }
        let share = Double(top.count) / Double(stats.examples)
        let percent = Int((share * 100).rounded())
        if share >= 0.9 {
            warnings.append(ValidationIssue(.warning, line: nil, code: "class_imbalance_severe",
                "SEVERE IMBALANCE: \(percent)% of the answers are \"\(top.answer)\" — a model trained on this learns to say it every time"))
            warningCount += 1
        } else if share > 0.5 {
            warnings.append(ValidationIssue(.warning, line: nil, code: "class_imbalance",
                "\(percent)% of the answers are \"\(top.answer)\": the classes are imbalanced"))
            warningCount += 1
        }
    }

    public var hasErrors: Bool { errorCount > 0 }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "format", value: .string(format.rawValue)),
            (key: "valid", value: .bool(errorCount == 0)),
            (key: "error_count", value: .int(errorCount)),
            (key: "warning_count", value: .int(warningCount)),
            (key: "errors", value: .array(errors.map(\.json))),
            (key: "warnings", value: .array(warnings.map(\.json))),
            (key: "counts_by_code", value: .object(issueCounts.sorted { $0.key < $1.key }.map { (key: $0.key, value: .int($0.value)) })),
            (key: "tokens_exact", value: .bool(tokensAreExact)),
            (key: "tool_examples", value: .int(toolExamples)),
            (key: "tool_tokens_estimated", value: .bool(toolExamples > 0)),
        ]
        members.append((key: "stats", value: stats?.json ?? .null))
        members.append((key: "duplicates", value: .array(duplicates.map { .array($0.map { .int($0) }) })))
        members.append((key: "near_duplicates", value: .array(nearDuplicates.map { .array($0.map { .int($0) }) })))
        members.append((key: "contradictions", value: .array(contradictions.map { group in
            .array(group.map { ["line": .int($0.line), "answer": $0.answer.map { .string($0) } ?? .null] })
        })))
        members.append((key: "length_outliers", value: .array(lengthOutliers.map { .int($0) })))
        members.append((key: "balance", value: balance.map { list in
            let total = list.reduce(0) { $0 + $1.count }
            return ["classes": .array(list.map { ["answer": .string($0.answer), "count": .int($0.count)] }),
                    "largest_share": .double(Double(list[0].count) / Double(max(total, 1)))]
        } ?? .null))
        members.append((key: "estimate", value: estimate?.json ?? .null))
        return .object(members)
    }

    /// The readable report: errors first (grouped by code), then warnings, then statistics and the estimate.
    public var text: String {
        var out: [String] = []
        if !tokensAreExact {
            out.append("NOTE: token counts below are ESTIMATES (about 4 bytes a token); install the o200k_base ranks (make tokenizer) for exact counts.")
        }
        if toolExamples > 0 {
            out.append("NOTE: \(counted(toolExamples, "example")) with tools: tool definitions and calls are counted as OpenAI's token-counting guide renders them, an estimate.")
        }
        func section(_ title: String, _ list: [ValidationIssue], total: Int) {
            guard total > 0 else { return }
            out.append("\(title) (\(total)):")
            var byCode: [String: [ValidationIssue]] = [:]
            var order: [String] = []
            for issue in list {
                if byCode[issue.code] == nil { order.append(issue.code) }
                byCode[issue.code, default: []].append(issue)
            }
            for code in order {
                let group = byCode[code]!
                out.append("  [\(code)] \(issueCounts[code] ?? group.count)")
                for issue in group.prefix(20) { out.append("    " + issue.text) }
                if group.count > 20 { out.append("    … \((issueCounts[code] ?? group.count) - 20) more") }
            }
        }
        section("Errors", errors, total: errorCount)
        section("Warnings", warnings, total: warningCount)
        if let stats {
            out.append("Statistics (\(format.rawValue)):")
            out.append("  examples: \(stats.examples)")
            out.append("  messages per example: min \(stats.messages.min), median \(stats.messages.median), max \(stats.messages.max)")
            out.append("  tokens per example\(tokensAreExact ? "" : " (estimated)"): min \(stats.tokens.min), median \(stats.tokens.median), p90 \(stats.tokens.p90), max \(stats.tokens.max)")
            out.append("  assistant tokens: \(stats.assistantTokens.total) in all, median \(stats.assistantTokens.median) per example")
        }
        if !duplicates.isEmpty {
            out.append("Exact duplicates (\(duplicates.count) groups): " + duplicates.prefix(10).map { "lines " + $0.map(String.init).joined(separator: ", ") }.joined(separator: "; "))
        }
        if !nearDuplicates.isEmpty {
            out.append("Near duplicates (\(nearDuplicates.count) groups): " + nearDuplicates.prefix(10).map { "lines " + $0.map(String.init).joined(separator: ", ") }.joined(separator: "; "))
        }
        if contradictionCount > 0 {
            out.append("Contradictions (\(contradictionCount) prompts with different answers):")
            for group in contradictions.prefix(10) {
                for entry in group { out.append("  line \(entry.line): \(entry.answer.map { "\"\($0)\"" } ?? "")") }
                out.append("")
            }
        }
        if let balance {
            let total = balance.reduce(0) { $0 + $1.count }
            out.append("Class balance (\(balance.count) classes):")
            for entry in balance.prefix(20) {
                out.append("  \(entry.count)\t\(String(format: "%5.1f%%", Double(entry.count) * 100 / Double(total)))  \(entry.answer)")
            }
        }
        if let estimate {
            out.append("Estimate for \(estimate.model) (training context \(estimate.contextLimit) tokens):")
            out.append("  epochs: \(estimate.epochs); billing tokens: \(estimate.billingTokensPerEpoch) per epoch, \(estimate.billingTokens) in all\(tokensAreExact ? "" : " (estimated)")")
            out.append("  cost: about \(String(format: "%.2f", estimate.cost)) USD at \(String(format: "%.2f", estimate.pricePerMillion)) USD per million tokens")
            if let advice = estimate.advice { out.append("  advice: \(advice)") }
        }
        out.append(errorCount == 0 ? "OK: no errors\(warningCount > 0 ? " (\(warningCount) warnings)" : "")." : "FAILED: \(errorCount) error\(errorCount == 1 ? "" : "s").")
        return out.joined(separator: "\n")
    }
}
