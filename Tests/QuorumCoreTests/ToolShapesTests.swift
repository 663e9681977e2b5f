import Foundation
import Testing
@testable import QuorumCore

/// Files in the shapes other tools write (made here, in each tool's documented shape): doccano, spaCy/Prodigy,
/// Label Studio, CoNLL with spaces, and fine-tuning files with tools and content parts.
@Suite struct ToolShapesTests {
    func item(_ line: String) throws -> ImportedItem { try #require(read(DoccanoReader(), line).first?.item) }

    @Test func doccanoIntentAndSlotsTriplesUnderEntitiesAndCats() throws {
        let item = try item(#"{"text": "Book a flight to Paris", "entities": [[17, 22, "LOC"]], "cats": ["book_flight"]}"#)
        #expect(item.suggestedSpans == [Span(start: 17, end: 22, label: "LOC", text: "Paris")])
        #expect(item.suggestedLabels == ["book_flight"])
        let labelled = try self.item(#"{"text": "Acme hired Ann", "label": [[0, 4, "ORG"], [11, 14, "PER"]]}"#)
        #expect(labelled.suggestedSpans.map(\.text) == ["Acme", "Ann"])
        #expect(try self.item(#"{"text": "great", "label": ["positive"]}"#).suggestedLabels == ["positive"])
    }

    @Test func doccanoRelationsAreKeptOutAndSaidSo() throws {
        let item = try item(#"""
            {"id": 7, "text": "Ann works for Acme", "entities": [{"id": 1, "label": "PER", "start_offset": 0, "end_offset": 3}, {"id": 2, "label": "ORG", "start_offset": 14, "end_offset": 18}], "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "works_for"}]}
            """#)
        #expect(item.suggestedSpans.map(\.label) == ["PER", "ORG"])
        #expect(item.notCarried == ["relations"])
        #expect(item.externalID == "7")
    }

    @Test func spacyAndProdigySpansCatsAndAnswers() throws {
        let accepted = try item(#"""
            {"text": "Ann met Bob 👋", "tokens": [{"text": "Ann", "start": 0, "end": 3, "id": 0}], "spans": [{"start": 0, "end": 3, "label": "PER", "token_start": 0, "token_end": 0}, {"start": 8, "end": 11, "label": "PER", "text": "Bob"}], "cats": {"GREETING": 0.9, "COMPLAINT": 0.1}, "answer": "accept", "_input_hash": 1}
            """#)
        #expect(accepted.suggestedSpans.map(\.text) == ["Ann", "Bob"])
        #expect(accepted.suggestedLabels == ["GREETING"])
        #expect(accepted.leftOut == nil)
        let chosen = try item(#"{"text": "Is this a refund?", "options": [{"id": "REFUND", "text": "refund"}, {"id": "CARD", "text": "card"}], "accept": ["REFUND"], "answer": "accept"}"#)
        #expect(chosen.suggestedLabels == ["REFUND"])
        let rejected = try item(#"{"text": "spam", "spans": [], "answer": "reject"}"#)
        #expect(rejected.leftOut == "answer \"reject\" (Prodigy)")
        let wrong = read(DoccanoReader(), #"{"text": "Ann", "spans": [{"start": 0, "end": 3, "label": "PER", "text": "Bob"}]}"#)
        #expect(wrong[0].issues.first?.field == "spans[0]")
    }

    @Test func repeatedIdenticalSpansAreOne() throws {
        let item = try item(#"{"text": "Ann met Bob", "label": [[0, 3, "PER"], [0, 3, "PER"], [8, 11, "PER"]]}"#)
        #expect(item.suggestedSpans.count == 2)
        let input = AnnotationInput.decode(try JSONParser.parse(#"""
            {"status": "submitted", "spans": [{"start": 0, "end": 3, "label": "PER", "text": "Ann"}, {"start": 0, "end": 3, "label": "PER", "text": "Ann"}]}
            """#))
        #expect((try input.get()).spans.count == 1)
    }

    @Test func formatsAreFoundByContent() {
        #expect(ImportFormat.detect(fileName: "train.txt", firstLine: "EU B-ORG") == .conll)
        #expect(ImportFormat.detect(fileName: "train.txt", firstLine: "-DOCSTART- -X- -X- O") == .conll)
        #expect(ImportFormat.detect(fileName: "eng.txt", firstLine: "EU NNP B-NP B-ORG") == .conll)
        #expect(ImportFormat.detect(fileName: "notes.txt", firstLine: "Call me back about my card") == .text)
        #expect(ImportFormat.detect(fileName: "ner.jsonl", firstLine: #"{"text": "a", "spans": []}"#) == .spacy)
        #expect(ImportFormat.detect(fileName: "task.json", firstLine: "{") == .labelStudio)
        #expect(ImportFormat.detect(fileName: "export", firstLine: "{") == .labelStudio)
        #expect(ImportFormat.detect(fileName: "tasks.json", firstLine: "[") == .labelStudio)
    }

    @Test func labelStudioOneTaskUnwrappedAndAnonymousAnnotations() throws {
        let task = """
            {
              "id": 12,
              "text": "Ann met Bob",
              "annotations": [
                {"id": 101, "result": [{"value": {"start": 0, "end": 3, "text": "Ann", "labels": ["PER"]}}]},
                {"id": 102, "result": [{"value": {"start": 8, "end": 11, "text": "Bob", "labels": ["PER"]}},
                                      {"type": "relation", "from_id": "a", "to_id": "b"}]}
              ]
            }
            """
        let records = read(LabelStudioReader(), task)
        let item = try #require(records.first?.item)
        #expect(item.input.contains("Ann met Bob"))
        #expect(item.annotations.map(\.username) == ["label-studio-annotation-101", "label-studio-annotation-102"])
        #expect(item.notCarried == ["Label Studio relation results"])
    }

    @Test func spaceSeparatedCoNLL() throws {
        let records = read(CoNLLReader(), "EU B-ORG\nrejects O\nGerman B-MISC\n\nPeter B-PER\nBlackburn I-PER\n")
        #expect(records.compactMap(\.item).map { $0.suggestedSpans.map(\.text) } == [["EU", "German"], ["Peter Blackburn"]])
    }
}

@Suite struct FineTuningFileShapesTests {
    static let tools = #"[{"type": "function", "function": {"name": "get_weather", "description": "Get the weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}, "unit": {"type": "string", "enum": ["c", "f"], "description": "Unit."}}}}}]"#

    func validate(_ lines: [String]) throws -> ValidationReport {
        let validator = DatasetValidator(options: try ValidationOptions(), counter: EstimatedTokenCounter())
        validator.add(batch: lines.enumerated().map { ($0.offset + 1, $0.element) }, workers: 2)
        return validator.finish()
    }

    @Test func textPartsAreContentForEveryRole() throws {
        let line = #"""
            {"messages": [{"role": "system", "content": [{"type": "text", "text": "Be brief."}]}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "Hello."}]}]}
            """#
        #expect(ChatFormatValidator.check(chat: try JSONParser.parse(line), line: 1).isEmpty)
        let image = #"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#
        #expect(ChatFormatValidator.check(chat: try JSONParser.parse(image), line: 1).map(\.code) == ["invalid_content_part"])
    }

    @Test func toolDefinitionsAndCallsAreCounted() throws {
        var counter: any TokenCounter = EstimatedTokenCounter()
        let tools = try JSONParser.parse(Self.tools).arrayValue!
        // The guide's rendering, worked by hand: 12 + 7 + "get_weather:Get the weather" + 3
        // + (3 + "city:string:The city") + (3 - 3 + (3 + "c") + (3 + "f") + "unit:string:Unit").
        let expected = 12 + 7 + counter.count("get_weather:Get the weather") + 3 + 3 + counter.count("city:string:The city")
            + 3 - 3 + 3 + counter.count("c") + 3 + counter.count("f") + counter.count("unit:string:Unit")
        #expect(counter.count(tools: tools) == expected)
        let call = #"{"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]}"#
        let line = #"{"messages": [{"role": "user", "content": "Weather in Oslo?"}, \#(call)], "tools": \#(Self.tools)}"#
        let report = try validate(Array(repeating: line, count: 10))
        #expect(report.toolExamples == 10)
        #expect(report.json["tool_tokens_estimated"] == true)
        #expect((report.stats?.assistantTokens.total ?? 0) > 0)
        let bare = try validate(Array(repeating: #"{"messages": [{"role": "user", "content": "Weather in Oslo?"}, \#(call)]}"#, count: 10))
        #expect((report.stats?.tokens.total ?? 0) - (bare.stats?.tokens.total ?? 0) == 10 * expected)
    }

    @Test func balanceIsForLabelLikeAnswersAndCountsToolCallsByName() throws {
        // GSM8K-like: long worked answers, a few of them short numbers. Not classes.
        var gsm = (0..<30).map { #"{"messages": [{"role": "user", "content": "q\#($0)"}, {"role": "assistant", "content": "\#(String(repeating: "step ", count: 50))answer \#($0)"}]}"# }
        gsm += (0..<5).map { #"{"messages": [{"role": "user", "content": "short \#($0)"}, {"role": "assistant", "content": "\#($0)"}]}"# }
        #expect(try validate(gsm).balance == nil)
        // Tool calls: counted by the function called, not as one empty answer.
        let calls = (0..<20).map { i in
            let name = i < 12 ? "get_weather" : "get_time"
            return #"{"messages": [{"role": "user", "content": "ask \#(i)"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "\#(name)", "arguments": "{}"}}]}]}"#
        }
        let balance = try #require(try validate(calls).balance)
        #expect(balance.map(\.answer) == ["tool call: get_weather", "tool call: get_time"])
        #expect(balance.map(\.count) == [12, 8])
    }

    @Test func aSharedSystemPromptDoesNotMakeNearDuplicates() throws {
        let system = String(repeating: "You are the support assistant of Acme Bank; follow the policy on refunds, cards and transfers carefully. ", count: 20)
        let topics = ["reset my card PIN", "close my savings account", "dispute a charge from a shop", "raise my transfer limit",
                      "order a new debit card", "change my address", "report a stolen phone", "set up a standing order",
                      "download last year's statements", "add my partner to the account", "travel abroad with my card", "unlock online banking"]
        let lines = topics.map { #"{"messages": [{"role": "system", "content": "\#(system)"}, {"role": "user", "content": "How do I \#($0)?"}, {"role": "assistant", "content": "Here is how to \#($0): open the app and follow the steps."}]}"# }
        #expect(try validate(lines).nearDuplicates.isEmpty)
    }
}
