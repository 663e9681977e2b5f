import Testing
@testable import QuorumCore

@Suite struct ExportPolicyTests {
    let project = Project(id: 1, slug: "t", name: "T", kind: .classify, labels: ["a", "b", "c"], multiLabel: true,
                          annotatorsPerItem: 3, guidelines: "", createdAt: "")
    let input: JSONValue = ["text": "hello"]

    func answers(_ labels: [[String]]) -> [SubmittedAnswer] {
        labels.enumerated().map { SubmittedAnswer(annotator: "u\($0.offset)", decision: nil, labels: $0.element, spans: [], messages: nil) }
    }

    func resolve(_ rule: ConsensusRule, _ labels: [[String]], gold: GoldAnswer? = nil) -> String {
        switch ExportPolicy(project: project, consensus: rule).resolve(input: input, answers: answers(labels), gold: gold) {
        case .resolved(let answer, let authors): return "\(answer.summary) by \(authors.map(\.name).joined(separator: "+"))"
        case .excluded(let reason, _): return reason.rawValue
        }
    }

    @Test func consensusRules() {
        #expect(resolve(.all, [["a"], ["a"], ["a"]]) == "a by u0+u1+u2")
        #expect(resolve(.all, [["a"], ["a"], ["b"]]) == "no consensus")
        #expect(resolve(.majority, [["a"], ["b"], ["a"]]) == "a by u0+u2")
        #expect(resolve(.majority, [["a"], ["b"], ["c"]]) == "no consensus")
        #expect(resolve(.atLeast(2), [["a"], ["b"], ["b"]]) == "b by u1+u2")
        // Fewer answers than the project asks for are never enough, whatever the rule.
        #expect(resolve(.atLeast(1), [["a"], ["a"]]) == "not enough answers")
        // Multi-label answers compare as sets in the project's label order.
        #expect(resolve(.all, [["b", "a"], ["a", "b"], ["a", "b"]]) == "a, b by u0+u1+u2")
        // A tie for K is no consensus.
        #expect(resolve(.atLeast(2), [["a"], ["a"], ["b"], ["b"]]) == "no consensus")
    }

    @Test func goldWinsAndCreditsWhoeverGaveIt() {
        let gold = GoldAnswer(answer: .labels(["c"]), source: .lead, decidedBy: "lead")
        #expect(resolve(.all, [["a"], ["b"]], gold: gold) == "c by lead")
        #expect(resolve(.all, [["a"], ["c"], ["c"]], gold: gold) == "c by u1+u2")
        #expect(resolve(.all, [], gold: GoldAnswer(answer: .rejected, source: .lead, decidedBy: "lead")) == "rejected")
    }

    @Test func rejectedByAllIsLeftOut() {
        let rejecting = (0..<3).map { SubmittedAnswer(annotator: "u\($0)", decision: .reject, labels: [], spans: [], messages: nil) }
        guard case .excluded(.rejected, _) = ExportPolicy(project: project, consensus: .all).resolve(input: input, answers: rejecting, gold: nil) else {
            Issue.record("expected rejected")
            return
        }
    }

    @Test func conllTagsWhitespaceTokensAndCSVQuotes() {
        let text = "New York is big"
        let spans = [Span(start: 0, end: 8, label: "LOC", text: "New York")]
        #expect(ExportRenderer.conll(text: text, spans: spans) == "New\tB-LOC\nYork\tI-LOC\nis\tO\nbig\tO\n")
        #expect(ExportRenderer.csvField("plain") == "plain")
        #expect(ExportRenderer.csvField("a, \"b\"\nc") == "\"a, \"\"b\"\"\nc\"")
    }

    @Test func theSameSeedDrawsTheSameOrder() {
        let ids: [Int64] = Array(1...50)
        func order(seed: UInt64, purpose: UInt64 = 3) -> [Int64] {
            ExportPlan.shuffled(Array(ids.indices), ids: { ids[$0] }, seed: seed, purpose: purpose).map { ids[$0] }
        }
        let a = order(seed: 5)
        #expect(a == order(seed: 5))
        #expect(a != order(seed: 6))
        #expect(a != order(seed: 5, purpose: 2))
        #expect(a != ids && a.sorted() == ids)
    }

    /// The radix sort against a comparison sort by (key, position): keys spread over every byte, keys that share
    /// most bytes (passes skipped) and many equal keys (stability, groups).
    @Test func radixSortOrdersLikeAStableSort() {
        var generator = SystemRandomNumberGenerator()
        let sets: [[UInt64]] = [
            [], [42],
            (0..<5_000).map { _ in UInt64.random(in: .min ... .max, using: &generator) },
            (0..<5_000).map { _ in 0xABCD_0000_0000_0000 | UInt64.random(in: 0...0xFFFF, using: &generator) << 16 },
            (0..<5_000).map { _ in UInt64.random(in: 0..<300, using: &generator) &* 0x0101_0101_0101_0101 },
        ]
        for keys in sets {
            let expected = keys.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            #expect(RadixSort.order(of: keys).map(Int.init) == expected)
            var byKey: [UInt64: [Int]] = [:]
            for (i, key) in keys.enumerated() { byKey[key, default: []].append(i) }
            let groups = byKey.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
            #expect(RadixSort.groups(of: keys) == groups)
        }
    }
}
