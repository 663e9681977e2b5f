import Foundation

/// Settings of a validation run.
public struct ValidationOptions: Sendable {
    public var model: String
    public var contextLimit: Int
    public var pricePerMillion: Double
    public var nearDuplicateThreshold: Double
    /// How many errors, warnings and groups are listed (all are counted).
    public var listLimit: Int

    public init(model: String = FineTuningEstimate.defaultModel, contextLimit: Int? = nil,
                pricePerMillion: Double = FineTuningEstimate.defaultPricePerMillion,
                nearDuplicateThreshold: Double = 0.8, listLimit: Int = 1_000) throws(ValidationSetupError) {
        guard let limit = contextLimit ?? FineTuningEstimate.contextLimits[model] else {
            throw ValidationSetupError(message: "unknown model \"\(model)\": give its training-context limit with --max-tokens N (known: \(FineTuningEstimate.contextLimits.keys.sorted().joined(separator: ", ")))")
        }
        self.model = model
        self.contextLimit = limit
        self.pricePerMillion = pricePerMillion
        self.nearDuplicateThreshold = nearDuplicateThreshold
        self.listLimit = listLimit
    }
}

public struct ValidationSetupError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A 64-bit key (`FastHash`): among a million examples the chance of two different texts sharing one is about
/// one in thirty million, and it halves the validator's memory.
struct Key64: Hashable {
    let value: UInt64
    init(_ bytes: [UInt8]) {
        value = FastHash.hash(bytes)
    }

    init(value: UInt64) { self.value = value }
}

/// Checks a JSONL file line by line in bounded memory (a few hundred bytes per example) and gathers
/// what the report needs. Feed it every line, then call `finish`. Contradicting answers are quoted in a
/// second, optional pass over only the lines that need it (`linesToQuote`, then `quote`).
public final class DatasetValidator {
    public enum Format: String, Sendable { case chat, preference, promptCompletion = "prompt-completion" }

    public let options: ValidationOptions
    private var counter: any TokenCounter
    public private(set) var format: Format? = nil

    private var issues: [ValidationIssue] = []
    private var issueCounts: [String: Int] = [:]
    private var errorCount = 0
    private var warningCount = 0

    // Per valid example, in file order.
    private var lines: [Int32] = []
    private var tokens: [Int32] = []
    private var assistantTokens: [Int32] = []
    private var messageCounts: [UInt16] = []
    private var signatures: [UInt16] = []
    /// Keys kept in arrays and grouped once at the end (`RadixSort`): dictionaries keyed by them, built as the
    /// lines came, held several times their size (a third of the validator's peak for a million examples).
    private var exactKeys: [UInt64] = []
    // Per example that ends with an assistant answer, in file order.
    private var promptLines: [Int32] = []
    private var promptKeys: [UInt64] = []
    private var answerKeys: [UInt64] = []
    private var answers: [String: Int]? = [:]
    /// Examples whose final answer is not one of `answers` (too long to be a class): the balance check needs
    /// answers that form a small set over most examples.
    private var unclassed = 0
    private var toolExamples = 0
    private var missingSystem: [Int] = []
    private var missingUser: [Int] = []
    private var overContext: [Int] = []
    private var quoted: [Int: String] = [:]

    /// The per-line work: parsing, the format rules, token counts and the keys of the quality checks.
    struct AnalysisContext {
        let format: Format
        let options: ValidationOptions

        func analyze(line: Int, text: String, counter: inout any TokenCounter) -> LineAnalysis {
            var analysis = LineAnalysis(line: line)
            guard !DatasetValidator.isBlank(text) else { return analysis }
            let value: JSONValue
            do { value = try JSONParser.parse(text) } catch {
                analysis.issues.append(ValidationIssue(.error, line: line, code: "invalid_json", "not valid JSON: \(error)"))
                return analysis
            }
            let messages: [JSONValue]
            let tools: [JSONValue]
            switch format {
            case .promptCompletion:
                analysis.legacy = true
                return analysis
            case .preference:
                analysis.issues = ChatFormatValidator.check(preference: value, line: line)
                messages = (value["input"]?["messages"]?.arrayValue ?? []) + (value["preferred_output"]?.arrayValue ?? [])
                    + (value["non_preferred_output"]?.arrayValue ?? [])
                tools = value["input"]?["tools"]?.arrayValue ?? []
            case .chat:
                analysis.issues = ChatFormatValidator.check(chat: value, line: line)
                messages = value["messages"]?.arrayValue ?? []
                tools = value["tools"]?.arrayValue ?? []
            }
            guard !analysis.issues.contains(where: { $0.severity == .error }) else { return analysis }
            analysis.example = example(line: line, messages: messages, tools: tools, counter: &counter, issues: &analysis.issues)
            return analysis
        }

        private func example(line: Int, messages: [JSONValue], tools: [JSONValue], counter: inout any TokenCounter,
                             issues: inout [ValidationIssue]) -> Example {
            var assistant = 0
            var roles = Set<String>()
            var callsTools = !tools.isEmpty
            for (i, message) in messages.enumerated() {
                let role = message["role"]?.stringValue ?? ""
                roles.insert(role)
                let content = message.contentText
                let calls = message["tool_calls"]?.arrayValue ?? []
                if !calls.isEmpty { callsTools = true }
                if role == "assistant" {
                    assistant += counter.count(content)
                    for call in calls {
                        assistant += 3 + counter.count(call["function"]?["name"]?.stringValue ?? "") + counter.count(call["function"]?["arguments"]?.stringValue ?? "")
                    }
                }
                if message["content"]?.isNull == false, DatasetValidator.isBlank(content), !(role == "assistant" && !calls.isEmpty) {
                    issues.append(ValidationIssue(.warning, line: line, messageIndex: i, field: "messages[\(i)].content",
                                                  code: "empty_content", "content is empty or only whitespace"))
                }
            }
            let keys = ConversationKeys(messages: messages, withDialogue: true)
            let lastAnswer = keys.answer
            // The final answer as a class for the balance check: a tool call counts by the function it calls.
            let finalCalls = messages.last?["role"]?.stringValue == "assistant" ? messages.last!.toolCallNames : []
            let answerText = !finalCalls.isEmpty ? "tool call: " + finalCalls.joined(separator: ", ")
                : lastAnswer.flatMap { $0.count <= 200 ? String(decoding: $0, as: UTF8.self) : nil }
            return Example(
                messages: messages.count, tokens: counter.count(messages: messages) + counter.count(tools: tools), assistantTokens: assistant,
                hasSystem: roles.contains("system"), hasUser: roles.contains("user"), exactKey: Key64(keys.whole),
                signature: MinHash.signature(of: keys.dialogue), prompt: lastAnswer == nil ? nil : Key64(keys.prompt),
                answer: lastAnswer.map(Key64.init), answerText: answerText, usesTools: callsTools)
        }
    }

    public init(options: ValidationOptions, counter: any TokenCounter) {
        self.options = options
        self.counter = counter
    }

    public var tokensAreExact: Bool { counter.isExact }

    private func record(_ issue: ValidationIssue) {
        issueCounts[issue.code, default: 0] += 1
        if issue.severity == .error { errorCount += 1 } else { warningCount += 1 }
        if issues.count < options.listLimit * 2 { issues.append(issue) }
    }

    /// What one line yields; worked out without touching the validator's state, so lines can be
    /// analysed on several threads and absorbed in order.
    struct LineAnalysis {
        var line: Int
        var issues: [ValidationIssue] = []
        var example: Example? = nil
        var legacy = false
    }

    struct Example {
        var messages: Int
        var tokens: Int
        var assistantTokens: Int
        var hasSystem: Bool
        var hasUser: Bool
        var exactKey: Key64
        var signature: [UInt32]
        var prompt: Key64?
        var answer: Key64?
        var answerText: String?
        /// Tool definitions or calls, whose token counts are estimates.
        var usesTools: Bool
    }

    public func add(line: Int, text: String) {
        add(batch: [(line, text)], workers: 1)
    }

    /// Adds lines in order, analysing them on `workers` threads.
    public func add(batch: [(line: Int, text: String)], workers: Int) {
        if format == nil, let first = batch.first(where: { !Self.isBlank($0.text) }), let value = try? JSONParser.parse(first.text) {
            if value["input"] != nil, value["preferred_output"] != nil { format = .preference }
            else if value["prompt"] != nil, value["completion"] != nil, value["messages"] == nil { format = .promptCompletion }
            else { format = .chat }
        }
        let format = self.format ?? .chat
        let context = AnalysisContext(format: format, options: options)
        let analyses = ParallelBatch.map(batch, workers: workers, states: &counters, initial: counter) {
            context.analyze(line: $0.line, text: $0.text, counter: &$1)
        }
        for analysis in analyses { absorb(analysis) }
    }

    private var counters: [any TokenCounter] = []

    /// A line that could not be read as text (invalid UTF-8): an error on that line, in order with the rest.
    public func addUnreadable(line: Int, message: String) {
        record(ValidationIssue(.error, line: line, code: "invalid_utf8", message))
    }

    static func isBlank(_ text: String) -> Bool { !text.unicodeScalars.contains { !$0.properties.isWhitespace } }

    private func absorb(_ analysis: LineAnalysis) {
        analysis.issues.forEach(record)
        if analysis.legacy {
            if lines.isEmpty && errorCount == 0 {
                record(ValidationIssue(.error, line: analysis.line, code: "legacy_prompt_completion",
                                       "this is the legacy prompt/completion format, which chat models do not train on: convert it with `quorum import PROJECT FILE --format prompt-completion`, then `quorum export`"))
            }
            lines.append(Int32(analysis.line))
            return
        }
        guard let example = analysis.example else { return }
        let line = analysis.line
        lines.append(Int32(line))
        messageCounts.append(UInt16(min(example.messages, Int(UInt16.max))))
        tokens.append(Int32(example.tokens))
        assistantTokens.append(Int32(example.assistantTokens))
        if !example.hasSystem { missingSystem.append(line) }
        if !example.hasUser { missingUser.append(line) }
        if example.usesTools { toolExamples += 1 }
        if example.tokens > options.contextLimit { overContext.append(line) }
        exactKeys.append(example.exactKey.value)
        signatures.append(contentsOf: example.signature.map { UInt16(truncatingIfNeeded: $0 >> 16) })
        if let promptKey = example.prompt, let answerKey = example.answer {
            promptLines.append(Int32(line))
            promptKeys.append(promptKey.value)
            answerKeys.append(answerKey.value)
            if answers != nil, let text = example.answerText {
                answers![text, default: 0] += 1
                if answers!.count > 50 { answers = nil }
            } else if example.answerText == nil {
                unclassed += 1
            }
        }
    }

    /// The exact duplicates: groups of examples (by index), each in file order, the groups by their first example.
    private lazy var exactGroups: [[Int]] = RadixSort.groups(of: exactKeys)

    /// The contradiction groups (the same prompt, not all the same answer), worked out once: the lines in file
    /// order, the groups by their first line.
    private lazy var contradictionGroups: [[Int32]] = ConversationKeys.contradictions(prompts: promptKeys, answers: answerKeys)
        .map { $0.map { promptLines[$0] } }

    /// Lines whose final answer the report quotes (the listed contradictions).
    public var linesToQuote: Set<Int> {
        Set(contradictionGroups.prefix(options.listLimit).flatMap { $0.map(Int.init) })
    }

    /// Second pass: give the line again so its final answer can be quoted.
    public func quote(line: Int, text: String) {
        guard let value = try? JSONParser.parse(text), let messages = value["messages"]?.arrayValue,
              let last = messages.last, last["role"]?.stringValue == "assistant" else { return }
        let answer = ([last.contentText] + last.toolCallTexts).filter { !$0.isEmpty }.joined(separator: "\n")
        quoted[line] = answer.count > 500 ? String(answer.prefix(500)) + "…" : answer
    }

    public func finish() -> ValidationReport {
        var report = ValidationReport(format: format ?? .chat, tokensAreExact: counter.isExact, options: options)
        report.toolExamples = toolExamples
        let n = lines.count
        if format != .promptCompletion {
            if n < 10 {
                record(ValidationIssue(.error, line: nil, code: "too_few_examples", "fewer than 10 examples (\(n)): the fine-tuning API refuses the file"))
            } else if n < 50 {
                record(ValidationIssue(.warning, line: nil, code: "few_examples", "fewer than 50 examples (\(n)): OpenAI recommends at least 50"))
            }
            summarize(missingSystem, code: "missing_system", "example has no system message", "examples have no system message")
            summarize(missingUser, code: "missing_user", "example has no user message", "examples have no user message")
            summarize(overContext, code: "over_context", "example is longer than \(options.model)'s training context (\(options.contextLimit) tokens) and will be truncated",
                      "examples are longer than \(options.model)'s training context (\(options.contextLimit) tokens) and will be truncated")
            outliers(&report)
        }
        report.errors = issues.filter { $0.severity == .error }.prefix(options.listLimit).map { $0 }
        report.warnings = issues.filter { $0.severity == .warning }.prefix(options.listLimit).map { $0 }
        report.errorCount = errorCount
        report.warningCount = warningCount
        report.issueCounts = issueCounts
        guard format != .promptCompletion else { return report }

        report.stats = DatasetStats(lines: lines, tokens: tokens, assistantTokens: assistantTokens, messageCounts: messageCounts)
        report.duplicates = exactGroups.map { $0.map { Int(lines[$0]) } }
        report.nearDuplicates = nearDuplicateGroups()
        report.contradictions = contradictionGroups.prefix(options.listLimit).map { group in
            group.map { (line: Int($0), answer: quoted[Int($0)]) }
        }
        report.contradictionCount = contradictionGroups.count
        // Balance is a statement about classification-like data: answers from a small set (at most 50, each used
        // three times on average) covering nine in ten examples; free-text answers are not classes.
        let classed = answers.map { $0.values.reduce(0, +) } ?? 0
        if let answers, answers.count >= 2, classed >= answers.count * 3, Double(classed) >= 0.9 * Double(classed + unclassed) {
            report.balance = answers.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        report.estimate = FineTuningEstimate(model: options.model, contextLimit: options.contextLimit,
                                             pricePerMillion: options.pricePerMillion, lengths: tokens)
        report.addBalanceWarnings()
        return report
    }

    private func summarize(_ found: [Int], code: String, _ one: String, _ many: String) {
        guard !found.isEmpty else { return }
        let shown = found.prefix(10).map(String.init).joined(separator: ", ")
        let message = found.count == 1 ? "1 \(one) (line \(shown))" : "\(found.count) \(many) (lines \(shown)\(found.count > 10 ? ", …" : ""))"
        record(ValidationIssue(.warning, line: found.count == 1 ? found[0] : nil, code: code, message))
    }

    /// Examples far longer than the rest: above the upper fence Q3 + 3·IQR, and over twice the median.
    private func outliers(_ report: inout ValidationReport) {
        guard tokens.count >= 3 else { return }
        let sorted = tokens.sorted()
        let q1 = Double(sorted[sorted.count / 4]), q3 = Double(sorted[(sorted.count * 3) / 4])
        let median = Double(sorted[sorted.count / 2])
        let fence = max(q3 + 3 * (q3 - q1), 2 * median)
        for (i, t) in tokens.enumerated() where Double(t) > fence {
            report.lengthOutliers.append(Int(lines[i]))
            record(ValidationIssue(.warning, line: Int(lines[i]), code: "length_outlier",
                                   "\(t) tokens, far above the median of \(Int(median)): check that it belongs"))
        }
    }

    /// Groups of near duplicates, each a seed and the examples similar to the seed itself (a tight cluster, never a
    /// chain where A is like B and B like C but A nothing like C); an example is in one group at most.
    private func nearDuplicateGroups() -> [[Int]] {
        var exactOf: [Int: Int] = [:]
        for group in exactGroups { for i in group.dropFirst() { exactOf[i] = group[0] } }
        var similar: [Int: [Int]] = [:]
        var compared = Set<UInt64>()
        let p = MinHash.permutations
        for band in 0..<MinHash.bands {
            // Band keys are made from the stored signatures, one band at a time, to keep memory flat.
            let sorted = (0..<lines.count).map { i in (MinHash.bandHash(signatures[(i * p)..<(i * p + p)], band: band), Int32(i)) }
                .sorted { $0.0 < $1.0 }
            var start = 0
            while start < sorted.count {
                var end = start + 1
                while end < sorted.count, sorted[end].0 == sorted[start].0 { end += 1 }
                if end - start > 1 {
                    // Compare within the bucket; a huge bucket is compared to its first member only.
                    let members = sorted[start..<end].map { Int($0.1) }
                    let pairs: [(Int, Int)] = members.count > 200
                        ? members.dropFirst().map { (members[0], $0) }
                        : (0..<members.count).flatMap { i in ((i + 1)..<members.count).map { (members[i], members[$0]) } }
                    for (a, b) in pairs where compared.insert(UInt64(min(a, b)) << 32 | UInt64(max(a, b))).inserted {
                        if exactOf[a] ?? a == exactOf[b] ?? b { continue }
                        let similarity = MinHash.similarity(signatures[(a * p)..<(a * p + p)], signatures[(b * p)..<(b * p + p)])
                        if similarity >= options.nearDuplicateThreshold {
                            similar[a, default: []].append(b)
                            similar[b, default: []].append(a)
                        }
                    }
                }
                start = end
            }
        }
        var grouped = Set<Int>()
        var groups: [[Int]] = []
        for seed in similar.keys.sorted() where !grouped.contains(seed) {
            let members = similar[seed]!.filter { !grouped.contains($0) }
            guard !members.isEmpty else { continue }
            let group = [seed] + members
            grouped.formUnion(group)
            groups.append(group.map { Int(lines[$0]) }.sorted())
        }
        return groups.sorted { $0[0] < $1[0] }
    }
}
