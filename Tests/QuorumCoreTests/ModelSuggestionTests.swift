import Testing
@testable import QuorumCore

@Suite struct ModelSuggestionTests {
    let spansProject = Project(id: 1, slug: "e", name: "E", kind: .spans, labels: ["person", "city"], multiLabel: false, annotatorsPerItem: 1,
                               guidelines: "", createdAt: "")

    @Test func entitiesAreFoundInTheTextOrDropped() throws {
        let input: JSONValue = ["text": "Ada met Ada Lovelace in Zürich, then Paris."]
        let output = #"```json\#n{"entities": [{"text": "Ada", "type": "person"}, {"text": "Ada", "type": "person"}, {"text": "Zürich", "type": "city"}, {"text": "Rome", "type": "city"}, {"text": "Paris", "type": "planet"}]}\#n```"#
        let (suggestion, dropped) = try #require(ModelSuggestion.make(project: spansProject, input: input, output: output, model: "m", run: 4))
        let spans = try #require(suggestion["spans"]?.arrayValue?.compactMap(Span.init(json:)))
        // The second "Ada" takes the next occurrence; Zürich is found by code points; Rome is absent, a planet no type.
        #expect(spans.map { "\($0.start)-\($0.end) \($0.label)" } == ["0-3 person", "8-11 person", "24-30 city"])
        #expect(dropped == 2)
        #expect(suggestion["model"] == "m" && suggestion["run"] == 4)
        #expect(ModelSuggestion.make(project: spansProject, input: input, output: "no JSON here", model: "m", run: 4) == nil)
    }

    @Test func outcomesSayWhatBecameOfTheSuggestion() {
        let classify = Project(id: 1, slug: "c", name: "C", kind: .classify, labels: ["a", "b", "c"], multiLabel: true, annotatorsPerItem: 1,
                               guidelines: "", createdAt: "")
        let suggested = ModelSuggestion.make(project: classify, input: ["text": "x"], output: "A, b", model: "m", run: 1)!.suggestion
        #expect(suggested["labels"] == ["a", "b"])
        func outcome(_ labels: [String], reject: Bool = false) -> ModelSuggestion.Outcome {
            ModelSuggestion.outcome(of: suggested, answer: AnnotationInput(status: .submitted, decision: reject ? .reject : nil, labels: labels), kind: .classify)
        }
        #expect(outcome(["b", "a"]) == .accepted)
        #expect(outcome(["a"]) == .edited)
        #expect(outcome(["c"]) == .rejected)
        #expect(outcome(["a", "b"], reject: true) == .rejected)
        #expect(ModelSuggestion.outcome(of: nil, answer: AnnotationInput(status: .submitted, labels: ["a"]), kind: .classify) == .none)
        // Chat: the draft as the last turn; an answer that changes it is edited, one that keeps it accepted.
        let chat = Project(id: 2, slug: "h", name: "H", kind: .chat, labels: [], multiLabel: false, annotatorsPerItem: 1, guidelines: "", createdAt: "")
        let input: JSONValue = ["messages": [["role": "user", "content": "hi"], ["role": "assistant", "content": "old"]]]
        let draft = ModelSuggestion.make(project: chat, input: input, output: "new draft", model: "m", run: 2)!.suggestion
        #expect(draft["messages"]?.arrayValue?.map { $0.contentText } == ["hi", "new draft"])
        let kept = AnnotationInput(status: .submitted, messages: draft["messages"])
        #expect(ModelSuggestion.outcome(of: draft, answer: kept, kind: .chat) == .accepted)
        let changed = AnnotationInput(status: .submitted, messages: [["role": "user", "content": "hi"], ["role": "assistant", "content": "better"]])
        #expect(ModelSuggestion.outcome(of: draft, answer: changed, kind: .chat) == .edited)
    }

    /// Hand-worked: the model says "card" on six items; four shown, two withheld. ann agrees on 3 of the 4 shown
    /// (takes 3 as they were, rejects 1) and on 1 of the 2 withheld; the gold agrees on 4 of 6.
    @Test func figuresOnAHandWorkedProject() throws {
        let card = Answer.labels(["card"]), refund = Answer.labels(["refund"])
        var model: [Int64: (answer: Answer?, withheld: Bool)] = [:]
        for item in Int64(1)...6 { model[item] = (card, item > 4) }
        let given: [SuggestionFigures.Given] = [
            .init(item: 1, annotator: "ann", answer: card, outcome: .accepted, run: 9),
            .init(item: 2, annotator: "ann", answer: card, outcome: .accepted, run: 9),
            .init(item: 3, annotator: "ann", answer: card, outcome: .accepted, run: 9),
            .init(item: 4, annotator: "ann", answer: refund, outcome: .rejected, run: 9),
            .init(item: 5, annotator: "ann", answer: card, outcome: ModelSuggestion.Outcome.none, run: nil),
            .init(item: 6, annotator: "ann", answer: refund, outcome: ModelSuggestion.Outcome.none, run: nil),
        ]
        let gold: [Int64: Answer] = [1: card, 2: card, 3: refund, 4: refund, 5: card, 6: card]
        let figures = SuggestionFigures(run: 9, kind: .classify, model: model, given: given, gold: gold)
        let mine = try #require(figures.withAnnotators.first)
        #expect(mine.annotator == "ann" && mine.agreement.compared == 6 && abs(mine.agreement.percent! - 4.0 / 6) < 1e-12)
        // Cohen's kappa of ann against a model that always says card: the model never varies, so chance agreement
        // equals observed agreement's expectation: kappa 0.
        #expect(abs(mine.agreement.kappa ?? 1) < 1e-12)
        #expect(abs(figures.withGold.percent! - 4.0 / 6) < 1e-12)
        #expect(figures.acceptance.first?.share == 0.75)
        #expect(figures.shown.items == 4 && figures.shown.agreement.percent == 0.75)
        #expect(figures.withheld.items == 2 && figures.withheld.agreement.percent == 0.5)
        let json = figures.json
        #expect(json["anchoring"]?["shown"]?["agreement"] == 0.75 && json["acceptance"]?["ann"] == 0.75)
    }
}
