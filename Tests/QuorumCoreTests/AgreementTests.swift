import Testing
@testable import QuorumCore

@Suite struct CategoricalAgreementTests {
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers × 12 units, with missing values.
    static let krippendorff: [[String?]] = [
        ["1", "2", "3", "3", "2", "1", "4", "1", "2", nil, nil, nil],
        ["1", "2", "3", "3", "2", "2", "4", "1", "2", "5", nil, "3"],
        [nil, "3", "3", "3", "2", "3", "4", "2", "2", "5", "1", nil],
        ["1", "2", "3", "3", "2", "4", "4", "1", "2", "5", "1", nil],
    ]

    @Test(arguments: [(CategoricalAgreement.Level.nominal, 0.743), (.ordinal, 0.815), (.interval, 0.849)])
    func krippendorffsPublishedValues(level: CategoricalAgreement.Level, expected: Double) throws {
        let alpha = try #require(try CategoricalAgreement(level: level, ratings: Self.krippendorff).krippendorffAlpha)
        #expect(abs(alpha - expected) < 0.0005, "\(alpha)")
    }

    /// Wikipedia's Fleiss' kappa example: 10 subjects, 14 raters, 5 categories → 0.210.
    @Test func fleissPublishedValue() throws {
        let table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                     [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
        var raters = [[String?]](repeating: [], count: 14)
        for counts in table {
            let column = counts.enumerated().flatMap { category, n in Array(repeating: String(category + 1), count: n) }
            for r in 0..<14 { raters[r].append(column[r]) }
        }
        let kappa = try #require(try CategoricalAgreement(level: .nominal, ratings: raters).fleissKappa)
        #expect(abs(kappa - 0.210) < 0.0005, "\(kappa)")
    }

    @Test func twoRatersByHand() throws {
        // 10 items: agree on 7 (yes 4, no 3); rater A says yes 6 times, B 5 times.
        let a: [String?] = ["y", "y", "y", "y", "n", "n", "n", "y", "y", "n"]
        let b: [String?] = ["y", "y", "y", "y", "n", "n", "n", "n", "n", "y"]
        let agreement = try CategoricalAgreement(level: .nominal, ratings: [a, b])
        #expect(agreement.percentAgreement == 0.7)
        // po = 0.7, pe = 0.6·0.5 + 0.4·0.5 = 0.5 → κ = 0.4
        #expect(abs((agreement.cohenKappas.first?.kappa ?? 0) - 0.4) < 1e-9)
        // Gwet: π_y = 0.55, π_n = 0.45 → pe = 2·0.55·0.45 = 0.495 → AC1 = (0.7 − 0.495) / 0.505
        #expect(abs((agreement.gwetAC1 ?? 0) - (0.7 - 0.495) / 0.505) < 1e-9)
    }

    @Test func undefinedIsNotZeroOrOne() throws {
        let same = try CategoricalAgreement(level: .nominal, ratings: [["a", "a", "a"], ["a", "a", "a"]])
        #expect(same.krippendorffAlpha == nil)
        #expect(same.fleissKappa == nil)
        #expect(same.cohenKappas.first?.kappa == nil)
        #expect(same.gwetAC1 == 1)
        #expect(same.percentAgreement == 1)
        // Different numbers of ratings per item: Fleiss does not apply.
        let ragged = try CategoricalAgreement(level: .nominal, ratings: [["a", "b"], ["a", nil], ["b", "b"]])
        #expect(ragged.fleissKappa == nil)
        #expect(ragged.krippendorffAlpha != nil)
    }

    @Test func ordinalStringsTakeTheGivenOrder() throws {
        let ratings: [[String?]] = [["low", "mid", "high", "mid"], ["low", "high", "high", "mid"]]
        let ordered = try CategoricalAgreement(level: .ordinal, ratings: ratings, categories: ["low", "mid", "high"])
        let pair = try #require(ordered.cohenKappas.first)
        #expect(pair.linear != nil && pair.quadratic != nil)
        #expect((pair.quadratic ?? 0) > (pair.kappa ?? 1))  // near misses count less with weights
        #expect(throws: FieldError.self) { try CategoricalAgreement(level: .interval, ratings: ratings) }
    }
}

@Suite struct SpanAgreementTests {
    func span(_ s: Int, _ e: Int, _ t: String) -> Span { Span(start: s, end: e, label: t, text: "") }

    @Test func exactAndOverlapF1PooledOverDocuments() {
        let documents = [
            SpanAgreement.Document(annotations: ["a": [span(0, 5, "PER"), span(10, 15, "LOC")], "b": [span(0, 5, "PER"), span(11, 15, "LOC")]]),
            SpanAgreement.Document(annotations: ["a": [], "b": []]),  // both marked nothing: left out
            SpanAgreement.Document(annotations: ["a": [span(3, 8, "ORG")], "b": []]),
        ]
        let agreement = SpanAgreement(documents: documents)
        let pair = agreement.pairs[0]
        #expect(pair.items == 2)
        // Exact: 1 match, 5 spans in all → 2·1/5; overlap: PER and LOC match both ways (4 of 5).
        #expect(abs((pair.overall.exactF1 ?? 0) - 0.4) < 1e-9)
        #expect(abs((pair.overall.overlapF1 ?? 0) - 0.8) < 1e-9)
        #expect(pair.byType["LOC"]?.exactF1 == 0)
        #expect(pair.byType["PER"]?.exactF1 == 1)
        #expect(pair.byType["ORG"]?.overlapF1 == 0)
    }

    @Test func nothingMarkedAnywhereIsUndefined() {
        let agreement = SpanAgreement(documents: [SpanAgreement.Document(annotations: ["a": [], "b": []])])
        #expect(agreement.exactF1 == nil)
        #expect(agreement.pairs[0].items == 0)
    }
}
