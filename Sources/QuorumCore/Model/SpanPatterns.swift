import Foundation

/// Terms and regular expressions per entity type, kept on a spans project; their matches in an item's text are
/// offered as suggestions beside the imported ones. One per line: `TYPE: term` or `TYPE: /regular expression/`.
/// Terms match whole words, case and all.
///
/// Patterns are a lead's input and run on annotators' texts, so matching is bounded: terms are found in one pass
/// over the text, expressions (ICU's, which backtrack) run with a time budget each and stop when it is spent —
/// the caller disables such an expression — and no text yields more than `maxSuggestions`.
public struct SpanPatterns: @unchecked Sendable {  // NSRegularExpression is immutable once made
    enum Pattern {
        case term([UInt16])
        case regex(NSRegularExpression)
    }

    struct Entry {
        var label: String
        var pattern: Pattern
        /// The line as the lead wrote it (`TYPE: pattern`), which names it when it is disabled.
        var source: String
    }

    let entries: [Entry]
    public static let maxSuggestions = 10_000
    public static let defaultBudget: Duration = .milliseconds(100)

    /// Reads the lines; a line with an unknown type, no pattern or a broken expression is an error naming it.
    public init(_ text: String, labels: [String]) throws(FieldError) {
        var entries: [Entry] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw FieldError("span_patterns", "line \(n + 1): write TYPE: term or TYPE: /regular expression/")
            }
            let label = line[..<colon].trimmingCharacters(in: .whitespaces)
            let pattern = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard labels.contains(label) else {
                throw FieldError("span_patterns", "line \(n + 1): \"\(label)\" is not one of the entity types (\(labels.joined(separator: ", ")))")
            }
            guard !pattern.isEmpty else { throw FieldError("span_patterns", "line \(n + 1): the pattern is empty") }
            let source = "\(label): \(pattern)"
            if pattern.count > 2, pattern.hasPrefix("/"), pattern.hasSuffix("/") {
                do {
                    entries.append(Entry(label: label, pattern: .regex(try NSRegularExpression(pattern: String(pattern.dropFirst().dropLast()))), source: source))
                } catch {
                    throw FieldError("span_patterns", "line \(n + 1): not a valid regular expression (ICU syntax)")
                }
            } else {
                entries.append(Entry(label: label, pattern: .term(Array(pattern.utf16)), source: source))
            }
        }
        self.entries = entries
    }

    /// What matching found: the spans, and the expressions that spent their budget (to be disabled).
    public struct Found {
        public var spans: [Span]
        public var overBudget: [String]
    }

    /// The matches in `text` as spans (code points), in text order; a match overlapping an earlier one is dropped.
    /// Patterns whose line is in `disabled` are skipped.
    public func suggestions(in text: String, budget: Duration = defaultBudget, disabled: Set<String> = []) -> Found {
        let units = Array(text.utf16)
        var found: [(start: Int, end: Int, label: String)] = []
        var overBudget: [String] = []
        for entry in entries where !disabled.contains(entry.source) && found.count < Self.maxSuggestions {
            switch entry.pattern {
            case .term(let term):
                Self.forEachWholeWord(term, in: units) { start in
                    found.append((start, start + term.count, entry.label))
                    return found.count < Self.maxSuggestions
                }
            case .regex(let regex):
                let deadline = ContinuousClock.now + budget
                var spent = false
                regex.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: units.count)) { match, _, stop in
                    if let match, match.range.length > 0 {
                        found.append((match.range.location, match.range.location + match.range.length, entry.label))
                    }
                    if ContinuousClock.now > deadline {
                        spent = true
                        stop.pointee = true
                    } else if found.count >= Self.maxSuggestions {
                        stop.pointee = true
                    }
                }
                if spent { overBudget.append(entry.source) }
            }
        }
        found.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        return Found(spans: Self.spans(found, in: text, units: units), overBudget: overBudget)
    }

    /// The non-overlapping matches as code-point spans: one walk over the text, as the matches are in order.
    static func spans(_ found: [(start: Int, end: Int, label: String)], in text: String, units: [UInt16]) -> [Span] {
        var spans: [Span] = []
        var scalars = text.unicodeScalars.makeIterator()
        var unit = 0, codePoint = 0
        func advance(to target: Int) {
            while unit < target, let scalar = scalars.next() {
                unit += scalar.utf16.count
                codePoint += 1
            }
        }
        var end = 0
        for match in found where match.start >= end {
            advance(to: match.start)
            guard unit == match.start else { continue }  // a match inside a surrogate pair: not a scalar boundary
            let start = codePoint
            advance(to: match.end)
            guard unit == match.end else { continue }
            spans.append(Span(start: start, end: codePoint, label: match.label,
                              text: String(decoding: units[match.start..<match.end], as: UTF16.self)))
            end = match.end
        }
        return spans
    }

    /// Calls `found` with the start of each whole-word occurrence of `term`, until it returns false.
    static func forEachWholeWord(_ term: [UInt16], in units: [UInt16], _ found: (Int) -> Bool) {
        guard let first = term.first, term.count <= units.count else { return }
        var i = 0
        let last = units.count - term.count
        while i <= last {
            if units[i] == first, units[i..<(i + term.count)].elementsEqual(term),
               !isWordy(scalar(endingAt: i, in: units)), !isWordy(scalar(startingAt: i + term.count, in: units)) {
                guard found(i) else { return }
                i += term.count
            } else {
                i += 1
            }
        }
    }

    static func isWordy(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
    }

    static func scalar(startingAt i: Int, in units: [UInt16]) -> Unicode.Scalar? {
        guard i < units.count else { return nil }
        if UTF16.isLeadSurrogate(units[i]), i + 1 < units.count { return pair(units[i], units[i + 1]) }
        return Unicode.Scalar(units[i])
    }

    static func scalar(endingAt i: Int, in units: [UInt16]) -> Unicode.Scalar? {
        guard i > 0 else { return nil }
        if UTF16.isTrailSurrogate(units[i - 1]), i >= 2 { return pair(units[i - 2], units[i - 1]) }
        return Unicode.Scalar(units[i - 1])
    }

    static func pair(_ lead: UInt16, _ trail: UInt16) -> Unicode.Scalar? {
        Unicode.Scalar(0x10000 + ((UInt32(lead) & 0x3FF) << 10) + (UInt32(trail) & 0x3FF))
    }
}
