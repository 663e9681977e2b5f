import Foundation

/// Terms and regular expressions per entity type, kept on a spans project; their matches in an item's text are
/// offered as suggestions beside the imported ones. One per line: `TYPE: term` or `TYPE: /regular expression/`.
/// Terms match whole words, case and all.
public struct SpanPatterns {
    enum Pattern {
        case term(String)
        case regex(Regex<AnyRegexOutput>)
    }

    let entries: [(label: String, pattern: Pattern)]

    /// Reads the lines; a line with an unknown type, no pattern or a broken expression is an error naming it.
    public init(_ text: String, labels: [String]) throws(FieldError) {
        var entries: [(String, Pattern)] = []
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
            if pattern.count > 2, pattern.hasPrefix("/"), pattern.hasSuffix("/") {
                do { entries.append((label, .regex(try Regex(String(pattern.dropFirst().dropLast()))))) } catch {
                    throw FieldError("span_patterns", "line \(n + 1): not a valid regular expression: \(error)")
                }
            } else {
                entries.append((label, .term(pattern)))
            }
        }
        self.entries = entries
    }

    /// The matches in `text` as spans (code points), in text order; a match overlapping an earlier one is dropped.
    public func suggestions(in text: String) -> [Span] {
        var found: [(Range<String.Index>, String)] = []
        for (label, pattern) in entries {
            switch pattern {
            case .term(let term):
                for range in text.ranges(of: term) where Self.isWholeWord(range, in: text) { found.append((range, label)) }
            case .regex(let regex):
                for match in text.matches(of: regex) where !match.range.isEmpty { found.append((match.range, label)) }
            }
        }
        found.sort { $0.0.lowerBound < $1.0.lowerBound }
        var spans: [Span] = []
        var end = text.startIndex
        for (range, label) in found where range.lowerBound >= end {
            let start = text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound)
            let length = text.unicodeScalars.distance(from: range.lowerBound, to: range.upperBound)
            spans.append(Span(start: start, end: start + length, label: label, text: String(text[range])))
            end = range.upperBound
        }
        return spans
    }

    static func isWholeWord(_ range: Range<String.Index>, in text: String) -> Bool {
        func isWordy(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
        let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : nil
        let after = range.upperBound < text.endIndex ? text[range.upperBound] : nil
        return !isWordy(before) && !isWordy(after)
    }
}
