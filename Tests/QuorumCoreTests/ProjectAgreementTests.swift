import Testing
@testable import QuorumCore

@Suite struct ProjectAgreementTests {
    func project(_ kind: ProjectKind, labels: [String] = ["a", "b"], multi: Bool = false) -> Project {
        Project(id: 1, slug: "p", name: "P", kind: kind, labels: labels, multiLabel: multi, annotatorsPerItem: 2, guidelines: "", createdAt: "")
    }

    func item(_ id: Int64, input: String = #"{"text": "t"}"#, _ answers: [(String, [String])], gold: String? = nil) -> StoredItem {
        StoredItem(itemID: id, externalID: nil, input: input, heldOut: false,
                   answers: answers.map { .init(annotator: $0.0, decision: nil, labels: JSONValue.array($0.1.map { .string($0) }).jsonText, spans: nil, messages: nil) },
                   gold: gold.map { .init(resolution: $0, source: "lead", decidedBy: "lead") })
    }

    @Test func classifyMatchesAHandWorkedKappa() {
        // x and y agree on 3 of 4 items: po = 0.75; x gives a,a,b,b and y a,b,b,b: pe = .5*.25 + .5*.75 = 0.5; kappa = 0.5.
        let items = [item(1, [("x", ["a"]), ("y", ["a"])]), item(2, [("x", ["a"]), ("y", ["b"])]),
                     item(3, [("x", ["b"]), ("y", ["b"])]), item(4, [("x", ["b"]), ("y", ["b"])], gold: #"{"labels": ["a"]}"#)]
        let agreement = ProjectAgreement(project: project(.classify), items: items)
        #expect(agreement.sharedItems == 4 && agreement.answers == 8)
        #expect(agreement.categorical?.cohenKappas.first?.kappa == 0.5)
        #expect(agreement.withGold["x"]?.agreement == 0 && agreement.withGold["y"]?.items == 1)
        let confusion = agreement.confusion("x", "y")
        #expect(confusion.labels == ["a", "b"])
        #expect(confusion.counts == [[1, 1], [0, 2]])
        #expect(agreement.perLabel.map(\.label) == ["a", "b"])
        #expect(agreement.json["coefficient"] == "Krippendorff's alpha (nominal)")
    }

    @Test func oneCategoryEverywhereIsUndefinedNotOne() {
        let agreement = ProjectAgreement(project: project(.classify), items: [item(1, [("x", ["a"]), ("y", ["a"])]), item(2, [("x", ["a"]), ("y", ["a"])])])
        #expect(agreement.value == nil)
        #expect(agreement.json["value"] == .null)
    }

    @Test func theOddOneOutIsFlagged() {
        // u1..u3 always agree; u4 always says the other label.
        let items = (1...8).map { i -> StoredItem in
            let label = i % 2 == 0 ? "a" : "b", other = i % 2 == 0 ? "b" : "a"
            return item(Int64(i), [("u1", [label]), ("u2", [label]), ("u3", [label]), ("u4", [other])])
        }
        let agreement = ProjectAgreement(project: project(.classify), items: items)
        #expect(agreement.flagged.map(\.annotator) == ["u4"])
    }

    @Test func chatDecisionsAndEditDistance() {
        let input = #"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "abc"}]}"#
        let corrected = #"[{"role": "user", "content": "q"}, {"role": "assistant", "content": "abd"}]"#
        let items = [StoredItem(itemID: 1, externalID: nil, input: input, heldOut: false, answers: [
            .init(annotator: "x", decision: "accept", labels: nil, spans: nil, messages: nil),
            .init(annotator: "y", decision: "accept", labels: nil, spans: nil, messages: corrected),
        ], gold: nil)]
        let agreement = ProjectAgreement(project: project(.chat, labels: []), items: items)
        #expect(agreement.editDistance.count == 1)
        #expect(abs(agreement.editDistance[0].mean - 1.0 / 3.0) < 1e-9)
        #expect(EditDistance.normalized("kitten", "sitting") == 3.0 / 7.0)
        #expect(EditDistance.normalized("", "") == 0)
        // A shared start and end are set aside before the table: the distances stay Levenshtein's.
        #expect(EditDistance.distance(Array("abcXdef".unicodeScalars), Array("abcYYdef".unicodeScalars)) == 2)
        #expect(EditDistance.distance(Array("aaa".unicodeScalars), Array("aa".unicodeScalars)) == 1)
        #expect(EditDistance.distance(Array("abab".unicodeScalars), Array("ab".unicodeScalars)) == 2)
        #expect(EditDistance.distance(Array("kitten on the mat".unicodeScalars), Array("sitting on the mat".unicodeScalars)) == 3)
    }

    @Test func reviewQueueHoldsDisagreementsMostFirst() {
        let items = [item(1, [("x", ["a"]), ("y", ["a"])]), item(2, [("x", ["a"]), ("y", ["b"]), ("z", ["a"])]),
                     item(3, [("x", ["a"]), ("y", ["b"])]), item(4, [("x", ["a"]), ("y", ["b"])], gold: #"{"labels": ["a"]}"#)]
        let queue = ReviewQueue(project: project(.classify), items: items)
        #expect(queue.entries.map(\.itemID) == [3, 2])
        let agreed = ReviewQueue.agreedAnswers(project: project(.classify), items: items, rule: .majority)
        #expect(agreed.map(\.itemID) == [1, 2])
        #expect(agreed.map(\.source) == [.unanimous, .majority])
    }
}
