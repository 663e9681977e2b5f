/// A whole file checked against several targets' rules at once: every line against each target's line rules
/// (`TargetRules`), and then the rules of the file: how many examples, how large, the byte-order mark, one kind of
/// line throughout, and for Hugging Face loaders one JSON type per field across all rows. Feed it every line,
/// then `finish`. The `listed` targets' findings are listed up to `listLimit` and all counted; of the others only
/// whether the file passes is asked, so each is checked until its first error and then left.
public final class TargetValidation {
    public let targets: [ExportTarget]
    public let listed: Set<ExportTarget>
    public let listLimit: Int
    /// Lines read so far.
    public private(set) var examples = 0
    private var findings: [ExportTarget: [ValidationIssue]] = [:]
    private var errorCounts: [ExportTarget: Int] = [:]
    private var preferences = 0
    /// Per field path, the JSON type first seen and where (for the Arrow rule).
    private var columnTypes: [String: (type: String, line: Int)] = [:]
    private var typeChange: ValidationIssue?

    public init(targets: [ExportTarget] = ExportTarget.allCases, listed: Set<ExportTarget> = [], listLimit: Int = 1_000) {
        self.targets = targets
        self.listed = listed
        self.listLimit = listLimit
    }

    /// Lines (number and text) parsed and checked on `workers` threads, then recorded in order.
    public func add(batch: [(line: Int, text: String)], workers: Int) {
        var none: [Void] = []
        // The targets still asked about: every listed one, and the others until their first error.
        let active = targets.map { listed.contains($0) || (errorCounts[$0] ?? 0) == 0 }
        let checked = ParallelBatch.map(batch, workers: workers, states: &none, initial: ()) { line, _ -> (JSONValue?, [[ValidationIssue]]) in
            guard let value = try? JSONParser.parse(line.text) else { return (nil, []) }
            let preference = TargetRules.isPreference(value)
            // OpenAI's findings, made once for the targets whose rules start from them.
            var openAI: [ValidationIssue]? = nil
            return (value, zip(targets, active).map { target, active in
                guard active else { return [] }
                let full = listed.contains(target)
                // A line of another shape fails a target at once: once a listed target has findings, such lines are
                // only counted (one error each), not checked rule by rule.
                if !TargetRules.hasShape(value, of: target) && (!full || (findings[target]?.count ?? 0) > 0) {
                    return [ValidationIssue(.error, line: line.line, code: "shape", "not a \(target.rawValue) line")]
                }
                if openAI == nil, target.startsFromOpenAIRules { openAI = ChatFormatValidator.check(value, preference: preference, line: line.line) }
                return TargetRules.check(value, target: target, at: line.line, openAI: openAI, preference: preference, firstErrorOnly: !full)
            })
        }
        for (line, (value, issues)) in zip(batch, checked) {
            examples += 1
            guard let value else {
                for target in targets { record(ValidationIssue(.error, line: line.line, code: "invalid_json", "the line is not JSON"), for: target) }
                continue
            }
            if TargetRules.isPreference(value) { preferences += 1 }
            for (target, found) in zip(targets, issues) { for issue in found { record(issue, for: target) } }
            if typeChange == nil, targets.contains(where: \.loadsWithArrow) { noteTypes(value, line: line.line) }
        }
    }

    private func record(_ issue: ValidationIssue, for target: ExportTarget) {
        if issue.severity == .error { errorCounts[target, default: 0] += 1 }
        if (findings[target]?.count ?? 0) < listLimit { findings[target, default: []].append(issue) }
    }

    /// Hugging Face `datasets` reads JSON lines into Arrow columns, one type each: a field that is a string on one
    /// row and an array on another stops the load ("ArrowInvalid: … changed from string to array in row N").
    private func noteTypes(_ value: JSONValue, line: Int) {
        func walk(_ value: JSONValue, _ path: String) {
            guard typeChange == nil else { return }
            let type: String
            switch value {
            case .null: return
            case .bool: type = "a boolean"
            case .number: type = "a number"
            case .string: type = "a string"
            case .array(let items):
                type = "an array"
                for item in items { walk(item, path + "[]") }
            case .object(let members):
                type = "an object"
                // Tool schemas and call arguments hold whatever the tool defines: a loader that keeps them keeps them
                // as text (TargetRules asks for that), so their insides are not columns.
                if !path.hasSuffix(".parameters") && !path.hasSuffix(".args") && !path.hasSuffix(".input") {
                    for member in members { walk(member.value, path.isEmpty ? member.key : path + "." + member.key) }
                }
            }
            if let seen = columnTypes[path] {
                if seen.type != type {
                    typeChange = ValidationIssue(.error, line: line, field: path, code: "type_changed",
                                                 "\(path) is \(type) here but \(seen.type) on line \(seen.line): Hugging Face datasets stops with ArrowInvalid; give it one type on every line")
                }
            } else {
                columnTypes[path] = (type, line)
            }
        }
        walk(value, "")
    }

    public struct Outcome: Sendable {
        /// Each target's findings (errors and warnings), in line order, the file's own after.
        public var issues: [ExportTarget: [ValidationIssue]]
        public var errorCounts: [ExportTarget: Int]
        /// The targets that take the file as it is, in `ExportTarget` order.
        public var validFor: [ExportTarget]
    }

    /// The file's own rules for `target`: its byte-order mark, its size, how many examples (`training`: the limits
    /// are the training file's), one kind of line.
    public static func fileProblems(target: ExportTarget, examples: Int, preferences: Int, bytes: Int, byteOrderMark: Bool,
                                    training: Bool = true) -> [ValidationIssue] {
        var problems: [ValidationIssue] = []
        func fileError(_ code: String, _ message: String) { problems.append(ValidationIssue(.error, line: nil, code: code, message)) }
        if target.startsWithByteOrderMark && !byteOrderMark {
            fileError("byte_order_mark", "Azure OpenAI needs the file to start with a UTF-8 byte-order mark (EF BB BF): quorum export --target azure-openai writes one")
        } else if byteOrderMark && !target.startsWithByteOrderMark {
            fileError("unexpected_byte_order_mark", "the file starts with a byte-order mark, which \(target.rawValue)'s reader takes for part of the first line: remove it")
        }
        if let limit = target.maxFileBytes, bytes >= limit {
            fileError("file_too_large", "\(target.rawValue) takes files under \(limit >> 20) MB; this one is \(bytes >> 20) MB: split it")
        }
        if training, let range = target.exampleCount, !range.contains(examples) {
            fileError(examples < range.lowerBound ? "too_few_examples" : "too_many_examples",
                      "\(target.rawValue) takes \(range.lowerBound)\(range.upperBound == Int.max ? " or more" : "–\(range.upperBound)") examples; the file has \(examples)")
        }
        if preferences > 0 && preferences < examples {
            fileError("mixed_formats", "\(preferences) of \(examples) lines are preference examples and the rest are not: one kind per file")
        }
        return problems
    }

    /// The file's own rules, then the outcome. `bytes`: the file's size; `byteOrderMark`: whether it starts with one.
    public func finish(bytes: Int, byteOrderMark: Bool) -> Outcome {
        for target in targets {
            for problem in Self.fileProblems(target: target, examples: examples, preferences: preferences, bytes: bytes, byteOrderMark: byteOrderMark) {
                record(problem, for: target)
            }
            if target.loadsWithArrow, let change = typeChange { record(change, for: target) }
        }
        let valid = targets.filter { (errorCounts[$0] ?? 0) == 0 }
        return Outcome(issues: findings, errorCounts: errorCounts, validFor: valid)
    }
}
