import Testing
@testable import QuorumCore

/// Ratings and judgements as a judging project's results read them.
@Suite struct JudgingResultsTests {
    /// Three raters on six answers (source items 1–3 answered by runs 10 and 11), on the 1–5 scale; r3 left item 3 out.
    static let ratings: [Judgement] = {
        let given: [(String, [Int?])] = [("r1", [5, 4, 3, 4, 2, 1]), ("r2", [4, 4, 3, 5, 2, 2]), ("r3", [5, 3, nil, 4, 1, 1])]
        var all: [Judgement] = []
        for (rater, values) in given {
            for (n, value) in values.enumerated() {
                guard let value else { continue }
                all.append(Judgement(item: Int64(n + 1), sourceItem: Int64(n % 3 + 1), annotator: rater, runA: n < 3 ? 10 : 11, runB: nil,
                                     value: String(value), criteria: ["clear": value >= 3 ? "5" : "1"]))
            }
        }
        return all
    }()

    @Test func ratingMeansAndOrdinalAlphaMatchTheReference() throws {
        let results = RatingResults(judgements: Self.ratings, scale: .oneToFive, runs: ["10", "11"], criteria: ["clear"])
        #expect(results.rows.map { "\($0.run)/\($0.criterion)" } == ["10/overall", "10/clear", "11/overall", "11/clear"])
        let first = results.rows[0], second = results.rows[2]
        #expect(first.ratings == 8 && abs(first.mean! - 31.0 / 8) < 1e-12)
        #expect(second.ratings == 9 && abs(second.mean! - 22.0 / 9) < 1e-12)
        #expect(first.counts == [0, 0, 3, 3, 2])
        // Three source items resampled: the interval lies within the items' own means and holds the mean.
        let ci = try #require(first.ci)
        #expect(ci.0 <= first.mean! && first.mean! <= ci.1 && ci.0 >= 3 && ci.1 <= 5)
        // krippendorff 0.9.0: alpha(reliability_data=[[5,4,3,4,2,1],[4,4,3,5,2,2],[5,3,nan,4,1,1]],
        //   level_of_measurement="ordinal", value_domain=[1,2,3,4,5]) = 0.8407239819004525
        #expect(abs(results.alpha! - 0.8407239819004525) < 1e-9)
        #expect(results.criterionAlpha.map(\.criterion) == ["clear"])
        // The same seed, the same interval.
        let again = RatingResults(judgements: Self.ratings, scale: .oneToFive, runs: ["10", "11"], criteria: ["clear"])
        #expect(again.rows[0].ci! == ci)
    }

    @Test func holmAdjustsForTheOtherPairs() {
        // statsmodels 0.15.0: multipletests([0.01, 0.04, 0.03, 0.2], method="holm")[1] = [0.04, 0.09, 0.09, 0.2]
        let adjusted = PairwiseResults.holm([0.01, 0.04, 0.03, 0.2])
        #expect(zip(adjusted, [0.04, 0.09, 0.09, 0.2]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func passFailScoresPassAsOne() {
        let judgements = [("p", "pass"), ("q", "fail"), ("r", "pass"), ("s", "pass")].enumerated().map { n, rating in
            Judgement(item: Int64(n), sourceItem: Int64(n), annotator: rating.0, runA: 7, runB: nil, value: rating.1)
        }
        let results = RatingResults(judgements: judgements, scale: .passFail, runs: ["7"], criteria: [])
        #expect(results.rows.first?.mean == 0.75)
        #expect(results.rows.first?.counts == [1, 3])
    }

    @Test func comparisonsGroupByCriterionAndField() throws {
        let setup = JudgingSetup(source: 1, runs: [3, 4], criteria: ["correct"], runNames: [3: "run 3 · base", 4: "run 4 · tuned"])
        // Items 1–6: a wins on the odd ones overall and ties every criterion; source items 1–3 are "refund", 4–6 "card".
        let judgements = (1...6).map { (n: Int) -> Judgement in
            let value = n % 2 == 1 ? "a" : "b"
            return Judgement(item: Int64(100 + n), sourceItem: Int64(n), annotator: "j", runA: 3, runB: 4, value: value,
                             criteria: ["correct": "tie"], aOnLeft: n <= 3)
        }
        let groups: [Int64: String] = [1: "refund", 2: "refund", 3: "refund", 4: "card", 5: "card", 6: "card"]
        let results = JudgingResults(kind: .compare, setup: setup, judgements: judgements, by: "label", groupOf: groups)
        let overall = try #require(results.pairwise?.pairs.first)
        #expect((overall.wins, overall.losses) == (3, 3))
        #expect(results.criteria.first?.results.pairs.first?.ties == 6)
        let byValue = try #require(results.groups)
        #expect(byValue.values.map { $0.value } == ["card", "refund"])
        #expect(byValue.values.map { $0.pairwise?.pairs.first?.wins } == [1, 2])
        let json = results.json
        #expect(json["runs"]?["3"] == "run 3 · base")
        #expect(json["pairs"]?.arrayValue?.first?["a"] == "3")
        #expect(json["by"]?["groups"]?.arrayValue?.count == 2)
        #expect(results.text.contains("run 4 · tuned"))
        // Sides as the judge saw them come back to the pair's terms.
        #expect(Vote.Choice(.left, aOnLeft: false) == .b && Vote.Choice.b.side(aOnLeft: false) == .left)
    }
}
