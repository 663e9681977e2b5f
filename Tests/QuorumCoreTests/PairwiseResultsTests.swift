import Testing
@testable import QuorumCore

/// The results of blind pairwise votes against reference values computed with standard libraries: statsmodels
/// 0.15.0 `proportion_confint(method="wilson")`, scipy 1.17.1 `binomtest(...).pvalue`, Bradley–Terry by
/// `scipy.optimize.minimize` (BFGS) on the log-likelihood with ties as half a win each way, and the `krippendorff`
/// package's `alpha(level_of_measurement="nominal")` (the script is in the comment below each figure's source).
@Suite struct PairwiseResultsTests {
    /// A beats B 6–3 with a tie (items 100–109), A and C split 4–4 (200–207), B beats C 5–2 with one both-bad
    /// (300–307), and two judges on five items of A–B (400–404); a's answer is on the left on even items.
    static let votes: [Vote] = {
        var votes: [Vote] = []
        func add(_ a: String, _ b: String, _ choices: [Vote.Choice], from start: Int64) {
            for (n, choice) in choices.enumerated() {
                let item = start + Int64(n)
                votes.append(Vote(item: item, annotator: "j1", a: a, b: b, choice: choice, aOnLeft: item % 2 == 0))
            }
        }
        add("A", "B", Array(repeating: .a, count: 6) + Array(repeating: .b, count: 3) + [.tie], from: 100)
        add("A", "C", Array(repeating: .a, count: 4) + Array(repeating: .b, count: 4), from: 200)
        add("B", "C", Array(repeating: .a, count: 5) + Array(repeating: .b, count: 2) + [.bothBad], from: 300)
        let twice: [(Vote.Choice, Vote.Choice)] = [(.a, .a), (.a, .b), (.tie, .tie), (.b, .b), (.a, .tie)]
        for (n, (x, y)) in twice.enumerated() {
            let item = Int64(400 + n)
            votes.append(Vote(item: item, annotator: "j1", a: "A", b: "B", choice: x, aOnLeft: item % 2 == 0))
            votes.append(Vote(item: item, annotator: "j2", a: "A", b: "B", choice: y, aOnLeft: item % 2 == 0))
        }
        return votes
    }()

    func close(_ x: Double?, _ y: Double, _ tolerance: Double = 1e-9) -> Bool { x.map { abs($0 - y) < tolerance } ?? false }
    func close(_ x: (Double, Double)?, _ y: (Double, Double), _ tolerance: Double = 1e-9) -> Bool {
        x.map { abs($0.0 - y.0) < tolerance && abs($0.1 - y.1) < tolerance } ?? false
    }

    @Test func pairsMatchTheReferenceFigures() throws {
        let results = PairwiseResults(votes: Self.votes, runs: ["A", "B", "C"])
        #expect(results.pairs.map { "\($0.a)-\($0.b)" } == ["A-B", "A-C", "B-C"])
        let ab = results.pairs[0], ac = results.pairs[1], bc = results.pairs[2]
        #expect((ab.votes, ab.wins, ab.losses, ab.ties, ab.bothBad) == (20, 10, 6, 4, 0))
        #expect(close(ab.winRate, 0.6) && close(ab.winRateCI, (0.3865815007622531, 0.781193467627183)))
        #expect(close(ab.decisiveWinRate, 0.625) && close(ab.decisiveCI, (0.38641040545502714, 0.8151876744113636)))
        #expect(close(ab.signTestP, 0.454498291015625))
        #expect(close(ac.winRate, 0.5) && close(ac.winRateCI, (0.2152160622138775, 0.7847839377861225)) && close(ac.signTestP, 1))
        #expect(close(bc.winRate, 0.6875) && close(bc.winRateCI, (0.355755160384631, 0.8975920027839139)))
        #expect(close(bc.decisiveCI, (0.3589344518326191, 0.9177810759959432)) && close(bc.signTestP, 0.453125))
        // The item bootstrap brackets the win rate and is the same on every run.
        let interval = try #require(ab.bootstrapCI)
        #expect(interval.0 < 0.6 && 0.6 < interval.1)
        #expect(PairwiseResults(votes: Self.votes, runs: ["A", "B", "C"]).pairs[0].bootstrapCI! == interval)
    }

    @Test func positionAgreementAndStrengths() throws {
        let results = PairwiseResults(votes: Self.votes, runs: ["A", "B", "C"])
        #expect(close(results.leftShare, 18.0 / 31.0) && close(results.leftShareCI, (0.4076626249536972, 0.7358445693268778)))
        #expect(close(results.alpha, 0.4545454545454545) && close(results.alphaDecisive, 0.4444444444444444))
        let bt = try #require(results.bradleyTerry)
        #expect(close(bt.strengths["A"], 0.41225439, 1e-6) && close(bt.strengths["B"], 0.33408602, 1e-6) && close(bt.strengths["C"], 0.25365958, 1e-6))
        #expect(close(bt.winProbability["A"]?["B"], 0.5523677746699432, 1e-6))
        let a = try #require(bt.ci["A"])
        #expect(a.0 < 0.41225439 && 0.41225439 < a.1)
        // Two runs: no Bradley–Terry.
        #expect(PairwiseResults(votes: Self.votes.filter { $0.b == "B" }, runs: ["A", "B"]).bradleyTerry == nil)
    }

    @Test func jsonKeysAreTheContract() throws {
        let json = PairwiseResults(votes: Self.votes, runs: ["A", "B", "C"]).json
        let pair = try #require(json["pairs"]?.arrayValue?.first)
        for key in ["a", "b", "votes", "wins", "losses", "ties", "both_bad", "win_rate", "win_rate_ci95", "decisive_win_rate", "decisive_ci95",
                    "sign_test_p", "bootstrap_ci95"] {
            #expect(pair[key] != nil, "\(key)")
        }
        #expect(json["position"]?["left_share"] != nil && json["agreement"]?["alpha_decisive"] != nil)
        #expect(json["bradley_terry"]?["win_probability"]?["A"]?["C"] != nil)
    }
}
