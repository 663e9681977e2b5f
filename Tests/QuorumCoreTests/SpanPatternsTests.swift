import Foundation
import Testing
@testable import QuorumCore

@Suite struct SpanPatternsTests {
    @Test func termsMatchWholeWordsAndExpressionsAnything() throws {
        let patterns = try SpanPatterns("PER: Marie\nLOC: /[A-Z][a-z]+ville/\n\nORG: Acme", labels: ["PER", "LOC", "ORG"])
        let text = "👩‍👩‍👧‍👦 Marie and Mariette went from Louisville to Acme."
        let found = patterns.suggestions(in: text).spans
        #expect(found.map(\.text) == ["Marie", "Louisville", "Acme"])
        let codePoints = CodePointText(text)
        #expect(found.allSatisfy { codePoints.slice($0.start, $0.end) == $0.text })
        #expect(found.map(\.label) == ["PER", "LOC", "ORG"])
    }

    /// `(a+)+$` against "a"*28 + "!" backtracks for minutes: it stops at its budget and is named to be disabled.
    @Test func aBacktrackingExpressionStopsAtItsBudget() throws {
        let patterns = try SpanPatterns("PER: /(a+)+$/\nPER: Ann", labels: ["PER"])
        let text = "Ann " + String(repeating: "a", count: 28) + "!"
        let started = ContinuousClock.now
        let found = patterns.suggestions(in: text, budget: .milliseconds(50))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(found.overBudget == ["PER: /(a+)+$/"])
        #expect(found.spans.map(\.text) == ["Ann"])
        let skipping = patterns.suggestions(in: text, disabled: ["PER: /(a+)+$/"])
        #expect(skipping.overBudget.isEmpty && skipping.spans.map(\.text) == ["Ann"])
    }

    /// One pass over the text: a term found 100,000 times in a 200 KB text is still one walk, with right offsets.
    @Test func manyMatchesOfATermKeepTheirOffsets() throws {
        let patterns = try SpanPatterns("PER: a\nLOC: 😀x", labels: ["PER", "LOC"])
        let text = String(repeating: "a ", count: 100_000) + "😀x é a"
        let found = patterns.suggestions(in: text).spans
        #expect(found.count == SpanPatterns.maxSuggestions)
        #expect(found.last.map { [$0.start, $0.end] } == [19_998, 19_999])
        let short = patterns.suggestions(in: "é a 😀x a_b a").spans
        #expect(short.map { [$0.start, $0.end] } == [[2, 3], [4, 6], [11, 12]])
        #expect(short.map(\.text) == ["a", "😀x", "a"])
    }

    @Test func badLinesAreNamed() {
        #expect(throws: FieldError("span_patterns", "line 2: \"XX\" is not one of the entity types (PER)")) {
            _ = try SpanPatterns("PER: a\nXX: b", labels: ["PER"])
        }
        #expect(throws: FieldError.self) { _ = try SpanPatterns("PER: /(unclosed/", labels: ["PER"]) }
        #expect(throws: FieldError.self) { _ = try SpanPatterns("no colon here", labels: ["PER"]) }
    }
}
