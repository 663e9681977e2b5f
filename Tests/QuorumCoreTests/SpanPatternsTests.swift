import Testing
@testable import QuorumCore

@Suite struct SpanPatternsTests {
    @Test func termsMatchWholeWordsAndExpressionsAnything() throws {
        let patterns = try SpanPatterns("PER: Marie\nLOC: /[A-Z][a-z]+ville/\n\nORG: Acme", labels: ["PER", "LOC", "ORG"])
        let text = "👩‍👩‍👧‍👦 Marie and Mariette went from Louisville to Acme."
        let found = patterns.suggestions(in: text)
        #expect(found.map(\.text) == ["Marie", "Louisville", "Acme"])
        let codePoints = CodePointText(text)
        #expect(found.allSatisfy { codePoints.slice($0.start, $0.end) == $0.text })
        #expect(found.map(\.label) == ["PER", "LOC", "ORG"])
    }

    @Test func badLinesAreNamed() {
        #expect(throws: FieldError("span_patterns", "line 2: \"XX\" is not one of the entity types (PER)")) {
            _ = try SpanPatterns("PER: a\nXX: b", labels: ["PER"])
        }
        #expect(throws: FieldError.self) { _ = try SpanPatterns("PER: /(unclosed/", labels: ["PER"]) }
        #expect(throws: FieldError.self) { _ = try SpanPatterns("no colon here", labels: ["PER"]) }
    }
}
