import Foundation
import Testing
@testable import QuorumCore

/// Scores worked by hand, case by case.
@Suite struct EvaluationTests {
    func project(_ kind: ProjectKind, labels: [String] = [], multi: Bool = false) -> Project {
        Project(id: 1, slug: "p", name: "p", kind: kind, labels: labels, multiLabel: multi, annotatorsPerItem: 1, guidelines: "", createdAt: "")
    }

    func chat(_ answer: String) -> Answer { .conversation([["role": "user", "content": "q"], ["role": "assistant", "content": .string(answer)]]) }

    @Test func classifyAccuracyMacroF1PerLabelAndConfusion() throws {
        let p = project(.classify, labels: ["refund", "card", "other"])
        let cases = zip([["refund"], ["refund"], ["card"], ["other"]], ["Refund", " card", "card.", "nonsense"]).enumerated().map { i, pair in
            Evaluation.Case(itemID: Int64(i + 1), input: ["text": "t"], reference: .labels(pair.0), output: pair.1)
        }
        let e = Evaluation(project: p, cases: cases, unscored: 3)
        #expect(e.kind == .classify)
        #expect(e.accuracy == 0.5)
        #expect(e.invalid == 1)
        let json = e.json(run: 7)
        #expect(json["per_label"]?["refund"] == (["precision": 1, "recall": 0.5, "f1": 0.6667, "support": 2] as JSONValue))
        #expect(json["per_label"]?["card"] == (["precision": 0.5, "recall": 1, "f1": 0.6667, "support": 1] as JSONValue))
        #expect(json["per_label"]?["other"] == (["precision": nil, "recall": 0, "f1": 0, "support": 1] as JSONValue))
        #expect(json["macro_f1"] == 0.4444)
        #expect(json["confusion"]?["labels"] == ["refund", "card", "other", "invalid"])
        #expect(json["confusion"]?["matrix"] == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
        #expect(json["unscored"] == 3)
        // Several labels, comma-separated, in any case and order.
        let multi = project(.classify, labels: ["a", "b", "c"], multi: true)
        let m = Evaluation(project: multi, cases: [Evaluation.Case(itemID: 1, input: [:], reference: .labels(["a", "c"]), output: "C, A")], unscored: 0)
        #expect(m.accuracy == 1)
    }

    @Test func spansMatchTypeAndTextAsMultisetsAndCountHallucinations() throws {
        let p = project(.spans, labels: ["PER", "LOC"])
        let cases = [
            Evaluation.Case(itemID: 1, input: ["text": "Ann went to  Oslo"], reference: .spans([Span(start: 0, end: 3, label: "PER", text: "Ann"),
                                                                                                 Span(start: 13, end: 17, label: "LOC", text: "Oslo")]),
                            output: #"{"entities": [{"text": "Ann", "type": "PER"}, {"text": "Bergen", "type": "LOC"}]}"#),
            Evaluation.Case(itemID: 2, input: ["text": "Bob"], reference: .spans([Span(start: 0, end: 3, label: "PER", text: "Bob")]), output: "sorry"),
        ]
        let e = Evaluation(project: p, cases: cases, unscored: 0)
        let json = e.json(run: 1)
        #expect(json["precision"] == 0.5)
        #expect(json["recall"] == 0.3333)
        #expect(json["f1"] == 0.4)
        #expect(json["invalid"] == 1)
        #expect(json["hallucinated"] == 1)
        #expect(json["per_type"]?["PER"] == (["precision": 1, "recall": 0.5, "f1": 0.6667, "support": 2] as JSONValue))
        #expect(json["per_type"]?["LOC"] == (["precision": 0, "recall": 0, "f1": 0, "support": 1] as JSONValue))
    }

    @Test func fieldsOfJSONAnswers() throws {
        let p = project(.chat)
        let cases = [
            Evaluation.Case(itemID: 1, input: [:], reference: chat(#"{"name": "Acme", "rent": 1200, "city": "Oslo"}"#),
                            output: #"{"name": " acme ", "rent": 1200.0, "extra": 1}"#),
            Evaluation.Case(itemID: 2, input: [:], reference: chat(#"{"name": "B", "rent": 5}"#), output: "```json\n{\"rent\": 5, \"name\": \"b\"}\n```"),
            Evaluation.Case(itemID: 3, input: [:], reference: chat(#"{"name": "C", "rent": 1}"#), output: "I cannot"),
        ]
        let e = Evaluation(project: p, cases: cases, unscored: 0)
        #expect(e.kind == .fields)
        let json = e.json(run: 1)
        #expect(json["json_valid"] == 0.6667)
        #expect(json["exact_match"] == 0.3333)
        #expect(json["field_accuracy"] == 0.5714)  // 4 right of 7
        #expect(json["fields"]?["city"] == (["accuracy": 0, "missing": 1, "extra": 0] as JSONValue))
        #expect(json["fields"]?["extra"] == (["accuracy": nil, "missing": 0, "extra": 1] as JSONValue))
        #expect(json["fields"]?["name"] == (["accuracy": 0.6667, "missing": 1, "extra": 0] as JSONValue))
    }

    @Test func freeTextExactNormalizedAndDistance() throws {
        let e = Evaluation(project: project(.chat), cases: [
            Evaluation.Case(itemID: 1, input: [:], reference: chat("Hello there."), output: "hello  there."),
            Evaluation.Case(itemID: 2, input: [:], reference: chat("kitten"), output: "sitting"),
            Evaluation.Case(itemID: 3, input: [:], reference: chat("Café"), output: "Cafe\u{301}"),
        ], unscored: 0)
        #expect(e.kind == .text)
        let json = e.json(run: 1)
        #expect(json["exact_match"] == 0)
        #expect(json["normalized_match"] == 0.6667)
        #expect(json["edit_distance"] == 0.1706)  // (1/12 + 3/7 + 0) / 3
    }

    @Test func mcnemarExactAgainstTheBinomial() {
        // scipy.stats.binomtest(k, n, 0.5).pvalue (two-sided): (1, 6) → 0.21875; (0, 10) → 0.001953125; (5, 10) → 1.
        #expect(abs(Comparison.mcnemarExact(1, 5) - 0.21875) < 1e-12)
        #expect(abs(Comparison.mcnemarExact(10, 0) - 0.001953125) < 1e-12)
        #expect(Comparison.mcnemarExact(5, 5) == 1)
        #expect(Comparison.mcnemarExact(0, 0) == 1)
        #expect(abs(Comparison.mcnemarExact(40, 60) - 0.0569) < 1e-4)  // binomtest(40, 100): 0.05688793364098078
    }

    @Test func pairedBootstrapIsSeededAndBracketsTheDifference() {
        let p = project(.classify, labels: ["x", "y"])
        let references = (0..<200).map { _ in Answer.labels(["x"]) }
        func run(_ right: Int) -> Evaluation {
            Evaluation(project: p, cases: references.enumerated().map { i, r in
                Evaluation.Case(itemID: Int64(i), input: [:], reference: r, output: i < right ? "x" : "y")
            }, unscored: 0)
        }
        let base = run(140), tuned = run(180)
        let c = Comparison(a: 1, base, b: 2, tuned)
        #expect(c.aValue == 0.7 && c.bValue == 0.9)
        #expect(abs((c.difference ?? 0) - 0.2) < 1e-12)
        let (lo, hi) = try! #require(c.ci95)
        #expect(lo > 0.13 && lo < 0.2 && hi > 0.2 && hi < 0.27)
        #expect(Comparison(a: 1, base, b: 2, tuned).ci95! == c.ci95!)  // the same seed, the same interval
        #expect(abs((c.mcnemarP ?? 1) - Comparison.mcnemarExact(0, 40)) < 1e-15)
        let same = Comparison(a: 1, base, b: 2, base)
        #expect(same.ci95! == (0, 0) && same.mcnemarP == 1)
    }
}
