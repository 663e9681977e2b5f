import Foundation

/// A model's outputs scored against the team's answers (each item's resolved answer, as export resolves it).
/// The kind follows the project: labels (classify), entities (spans), fields (chat whose every reference answer is
/// a JSON object, structured extraction), free text (other chat).
public struct Evaluation: Sendable {
    public enum Kind: String, Sendable { case classify, spans, fields, text }

    /// One item to score: its input, the reference answer, and what the model said (nil: no output, a failure).
    public struct Case: Sendable {
        public var itemID: Int64
        public var input: JSONValue
        public var reference: Answer
        public var output: String?
        public init(itemID: Int64, input: JSONValue, reference: Answer, output: String?) {
            self.itemID = itemID
            self.input = input
            self.reference = reference
            self.output = output
        }
    }

    /// What one item contributes, kept per item for comparisons: right or wrong (classify, text), or counts.
    public struct Outcome: Sendable {
        public var right: Bool
        /// Spans: true positives, false positives, false negatives. Fields: right fields, reference fields.
        public var counts: (Int, Int, Int) = (0, 0, 0)
        /// Text: the normalized edit distance to the reference.
        public var distance: Double = 0
    }

    public struct LabelFigures: Sendable {
        public var precision: Double?
        public var recall: Double?
        public var f1: Double?
        public var support: Int
    }

    public let kind: Kind
    public let items: Int
    /// Items without a reference answer (not resolved): not scored.
    public let unscored: Int
    public let invalid: Int
    public let outcomes: [Int64: Outcome]
    public let labels: [String]
    /// Classify and spans: per label (type), over the labels present in the references.
    public let perLabel: [(label: String, figures: LabelFigures)]
    public let confusion: (labels: [String], matrix: [[Int]])?
    public let hallucinated: Int
    public let jsonValid: Int
    public let exactMatch: Int
    /// Fields: per field name, (right, in the reference, missing from the output, extra in outputs).
    public let fields: [(name: String, right: Int, total: Int, missing: Int, extra: Int)]
    public let normalizedMatch: Int
    public let meanDistance: Double?

    public static func kind(of project: Project, references: [Answer]) -> Kind {
        switch project.kind {
        case .classify, .compare, .rate, .watch: return .classify
        case .spans: return .spans
        case .chat:
            let objects = references.allSatisfy { reference in
                guard case .conversation(let messages) = reference, let last = messages.last else { return false }
                return Self.jsonObject(last.contentText) != nil
            }
            return !references.isEmpty && objects ? .fields : .text
        }
    }

    public init(project: Project, cases: [Case], unscored: Int) {
        let kind = Self.kind(of: project, references: cases.map(\.reference))
        self.kind = kind
        self.items = cases.count
        self.unscored = unscored
        var outcomes: [Int64: Outcome] = [:]
        var invalid = 0, hallucinated = 0, jsonValid = 0, exact = 0, normalized = 0, distanceSum = 0.0
        var perLabel: [String: (tp: Int, fp: Int, fn: Int, support: Int)] = [:]
        var confusion: [[Int]]? = nil
        var fieldTally: [String: (right: Int, total: Int, missing: Int, extra: Int)] = [:]
        let labelOrder = project.labels
        switch kind {
        case .classify:
            let index = Dictionary(labelOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let folded = Dictionary(labelOrder.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            if !project.multiLabel { confusion = Array(repeating: Array(repeating: 0, count: labelOrder.count + 1), count: labelOrder.count) }
            for c in cases {
                guard case .labels(let reference) = c.reference else { continue }
                let predicted = Self.labels(in: c.output ?? "", folded: folded, multiLabel: project.multiLabel)
                if predicted == nil { invalid += 1 }
                let chosen = Set(predicted ?? [])
                let right = predicted != nil && chosen == Set(reference)
                outcomes[c.itemID] = Outcome(right: right)
                for label in reference {
                    perLabel[label, default: (0, 0, 0, 0)].support += 1
                    if chosen.contains(label) { perLabel[label]!.tp += 1 } else { perLabel[label]!.fn += 1 }
                }
                for label in chosen where !reference.contains(label) { perLabel[label, default: (0, 0, 0, 0)].fp += 1 }
                if confusion != nil, let row = reference.first.flatMap({ index[$0] }) {
                    let column = predicted?.first.flatMap { index[$0] } ?? labelOrder.count
                    confusion![row][column] += 1
                }
            }
        case .spans:
            for c in cases {
                guard case .spans(let reference) = c.reference else { continue }
                let wanted = reference.map { Self.entityKey(type: $0.label, text: $0.text) }
                guard let found = Self.entities(in: c.output ?? "") else {
                    invalid += 1
                    outcomes[c.itemID] = Outcome(right: wanted.isEmpty, counts: (0, 0, wanted.count))
                    for span in reference { perLabel[span.label, default: (0, 0, 0, 0)].support += 1; perLabel[span.label]!.fn += 1 }
                    continue
                }
                let text = TextNormalization.normalized(c.input["text"]?.stringValue ?? "")
                hallucinated += found.filter { !text.contains(TextNormalization.normalized($0.text)) }.count
                var remaining: [String: Int] = [:]
                for key in wanted { remaining[key, default: 0] += 1 }
                var tp = 0, fp = 0
                for entity in found {
                    let key = Self.entityKey(type: entity.type, text: entity.text)
                    if let left = remaining[key], left > 0 {
                        remaining[key] = left - 1
                        tp += 1
                        perLabel[entity.type, default: (0, 0, 0, 0)].tp += 1
                    } else {
                        fp += 1
                        perLabel[entity.type, default: (0, 0, 0, 0)].fp += 1
                    }
                }
                for span in reference { perLabel[span.label, default: (0, 0, 0, 0)].support += 1 }
                for (key, left) in remaining where left > 0 {
                    perLabel[String(key.split(separator: "\u{1F}", maxSplits: 1)[0]), default: (0, 0, 0, 0)].fn += left
                }
                let fn = wanted.count - tp
                outcomes[c.itemID] = Outcome(right: fp == 0 && fn == 0, counts: (tp, fp, fn))
            }
        case .fields:
            for c in cases {
                guard case .conversation(let messages) = c.reference, let reference = Self.jsonObject(messages.last?.contentText ?? "") else { continue }
                let output = Self.jsonObject(c.output ?? "")
                if output != nil { jsonValid += 1 } else { invalid += 1 }
                var right = 0
                for (name, value) in reference {
                    fieldTally[name, default: (0, 0, 0, 0)].total += 1
                    guard let given = output?.first(where: { $0.key == name })?.value else {
                        fieldTally[name]!.missing += 1
                        continue
                    }
                    if Self.same(given, value) { right += 1; fieldTally[name]!.right += 1 }
                }
                for (name, _) in output ?? [] where !reference.contains(where: { $0.key == name }) { fieldTally[name, default: (0, 0, 0, 0)].extra += 1 }
                let whole = output != nil && right == reference.count && output!.count == reference.count
                if whole { exact += 1 }
                outcomes[c.itemID] = Outcome(right: whole, counts: (right, reference.count, 0))
            }
        case .text:
            for c in cases {
                guard case .conversation(let messages) = c.reference else { continue }
                let reference = messages.last?.contentText ?? ""
                let output = c.output ?? ""
                if output.utf8.elementsEqual(reference.utf8) { exact += 1 }  // exact: the same bytes, not only canonically equal
                let same = TextNormalization.folded(output) == TextNormalization.folded(reference)
                if same { normalized += 1 }
                let distance = EditDistance.normalized(TextNormalization.normalized(output), TextNormalization.normalized(reference))
                distanceSum += distance
                outcomes[c.itemID] = Outcome(right: same, distance: distance)
            }
        }
        self.outcomes = outcomes
        self.invalid = invalid
        self.hallucinated = hallucinated
        self.jsonValid = jsonValid
        self.exactMatch = exact
        self.normalizedMatch = normalized
        self.meanDistance = kind == .text && !cases.isEmpty ? distanceSum / Double(cases.count) : nil
        self.confusion = confusion.map { (labelOrder + ["invalid"], $0) }
        let present = kind == .classify ? labelOrder.filter { (perLabel[$0]?.support ?? 0) > 0 } : perLabel.keys.filter { perLabel[$0]!.support > 0 }.sorted()
        self.labels = present
        self.perLabel = present.map { label in
            let t = perLabel[label]!
            return (label, Self.figures(tp: t.tp, fp: t.fp, fn: t.fn, support: t.support))
        }
        self.fields = fieldTally.sorted { $0.key < $1.key }.map { ($0.key, $0.value.right, $0.value.total, $0.value.missing, $0.value.extra) }
    }

    static func figures(tp: Int, fp: Int, fn: Int, support: Int) -> LabelFigures {
        let precision = tp + fp == 0 ? nil : Double(tp) / Double(tp + fp)
        let recall = tp + fn == 0 ? nil : Double(tp) / Double(tp + fn)
        let f1 = 2 * tp + fp + fn == 0 ? nil : 2 * Double(tp) / Double(2 * tp + fp + fn)
        return LabelFigures(precision: precision, recall: recall, f1: f1, support: support)
    }

    // MARK: the figures

    public var accuracy: Double? { items == 0 ? nil : Double(outcomes.values.filter(\.right).count) / Double(items) }

    /// Classify: the mean F1 over the labels present in the references (a label never predicted counts 0).
    public var macroF1: Double? { perLabel.isEmpty ? nil : perLabel.map { $0.figures.f1 ?? 0 }.reduce(0, +) / Double(perLabel.count) }

    /// Spans: micro precision, recall and F1 over every entity.
    public var micro: LabelFigures {
        var tp = 0, fp = 0, fn = 0
        for o in outcomes.values { tp += o.counts.0; fp += o.counts.1; fn += o.counts.2 }
        return Self.figures(tp: tp, fp: fp, fn: fn, support: tp + fn)
    }

    /// Fields: right reference fields over all reference fields (micro).
    public var fieldAccuracy: Double? {
        let total = fields.map(\.total).reduce(0, +)
        return total == 0 ? nil : Double(fields.map(\.right).reduce(0, +)) / Double(total)
    }

    /// The figure a comparison is about: classify accuracy, spans micro F1, field accuracy, normalized match.
    public var primary: (name: String, value: Double?) {
        switch kind {
        case .classify: return ("accuracy", accuracy)
        case .spans: return ("micro F1", micro.f1)
        case .fields: return ("field accuracy", fieldAccuracy)
        case .text: return ("normalized match", items == 0 ? nil : Double(normalizedMatch) / Double(items))
        }
    }

    // MARK: reading outputs

    /// The labels an output names, matched to the project's case-insensitively (`folded`: each label lowercased →
    /// the label; several, comma-separated, for multi-label projects); nil when it is not a label (or names one
    /// twice, or none). Lowercasing and a dictionary rather than Foundation's case-insensitive comparison and
    /// trimming: those took most of an evaluation's time.
    static func labels(in output: String, folded: [String: String], multiLabel: Bool) -> [String]? {
        let pieces = multiLabel ? output.split(separator: ",") : [Substring(output)]
        var found: [String] = []
        for piece in pieces {
            var bare = trimmed(piece)
            if bare.hasSuffix(".") { bare = bare.dropLast() }
            guard let label = folded[bare.lowercased()], !found.contains(label) else { return nil }
            found.append(label)
        }
        return found.isEmpty ? nil : found
    }

    /// `text` without white space (and line ends) at either end.
    static func trimmed(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return Substring(scalars[first...last])
    }

    /// `{"entities": [{"text", "type"}]}` read from an output (a fenced code block around it is allowed).
    static func entities(in output: String) -> [(text: String, type: String)]? {
        guard let object = jsonObject(output), let list = object.first(where: { $0.key == "entities" })?.value.arrayValue else { return nil }
        var found: [(String, String)] = []
        for entity in list {
            guard let text = entity["text"]?.stringValue, let type = entity["type"]?.stringValue else { return nil }
            found.append((text, type))
        }
        return found
    }

    static func entityKey(type: String, text: String) -> String { type + "\u{1F}" + TextNormalization.normalized(text) }

    /// A JSON object in an output, allowing a Markdown code fence around it; nil when there is none.
    static func jsonObject(_ output: String) -> [(key: String, value: JSONValue)]? {
        var text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("```") {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            if lines.last?.trimmingCharacters(in: .whitespaces) == "```" { lines = lines.dropLast() }
            text = lines.joined(separator: "\n")
        }
        return (try? JSONParser.parse(text))?.objectValue
    }

    /// Field values compared as people would: strings trimmed and case-folded, numbers by value, the rest whole.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return TextNormalization.folded(x) == TextNormalization.folded(y)
        case (.number(let x), .number(let y)): return Double(x) == Double(y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { member in y.contains { $0.key == member.key && same($0.value, member.value) } }
        default: return a == b
        }
    }
}
