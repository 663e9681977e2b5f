import Foundation
import Testing
import QuorumTestSupport
@testable import QuorumCore

/// Runs the validator over lines with the estimate counter (exact counts are TokenizerTests' business).
func validate(_ lines: [String], options: ValidationOptions? = nil) throws -> ValidationReport {
    let validator = DatasetValidator(options: try options ?? ValidationOptions(), counter: EstimatedTokenCounter())
    for (i, line) in lines.enumerated() { validator.add(line: i + 1, text: line) }
    for (i, line) in lines.enumerated() where validator.linesToQuote.contains(i + 1) { validator.quote(line: i + 1, text: line) }
    return validator.finish()
}

func chat(_ user: String, _ answer: String, system: String? = "Be kind.") -> String {
    var messages: [JSONValue] = []
    if let system { messages.append(["role": "system", "content": .string(system)]) }
    messages.append(["role": "user", "content": .string(user)])
    messages.append(["role": "assistant", "content": .string(answer)])
    return JSONValue.object([(key: "messages", value: .array(messages))]).jsonText
}

@Suite struct ChatFormatValidatorTests {
    func codes(_ line: String) throws -> [String] {
        ChatFormatValidator.check(chat: try JSONParser.parse(line), line: 1).map(\.code)
    }

    @Test func acceptsAGoodExampleWithTools() throws {
        let line = #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "add"}]}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{\"a\": 1}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "2"}, {"role": "assistant", "content": "It is 2.", "weight": 1}], "tools": [], "parallel_tool_calls": false}"#
        #expect(try codes(line) == [])
    }

    @Test(arguments: [
        (#"[1]"#, "data_type"), (#"{"messages": []}"#, "missing_messages_list"),
        (#"{"messages": [{"role": "user", "content": "x"}], "extra": 1}"#, "unrecognized_key"),
        (#"{"messages": [{"role": "bot", "content": "x"}]}"#, "unrecognized_role"),
        (#"{"messages": [{"role": "user", "content": "x"}]}"#, "example_missing_assistant_message"),
        (#"{"messages": [{"role": "assistant", "content": "x", "weight": 0}]}"#, "example_missing_assistant_message"),
        (#"{"messages": [{"role": "assistant", "content": "x", "weight": 2}]}"#, "invalid_weight"),
        (#"{"messages": [{"role": "user", "content": "x", "weight": 1}, {"role": "assistant", "content": "y"}]}"#, "invalid_weight"),
        (#"{"messages": [{"role": "assistant", "content": null}]}"#, "missing_content"),
        (#"{"messages": [{"role": "assistant", "content": "x", "mood": "happy"}]}"#, "message_unrecognized_key"),
        (#"{"messages": [{"role": "tool", "content": "x"}, {"role": "assistant", "content": "y"}]}"#, "missing_tool_call_id"),
        (#"{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{oops"}}]}, {"role": "assistant", "content": "y"}]}"#, "invalid_tool_arguments"),
        (#"{"messages": [{"role": "system", "content": 5}, {"role": "assistant", "content": "y"}]}"#, "invalid_content"),
    ])
    func refuses(line: String, code: String) throws {
        #expect(try codes(line).contains(code))
    }

    @Test func namesTheMessageAndField() throws {
        let issues = ChatFormatValidator.check(chat: try JSONParser.parse(#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 3}]}"#), line: 9)
        #expect(issues.first?.line == 9)
        #expect(issues.first?.messageIndex == 1)
        #expect(issues.first?.field == "messages[1].weight")
    }

    @Test func checksPreferenceFiles() throws {
        let good = #"{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "what"}]}"#
        #expect(ChatFormatValidator.check(preference: try JSONParser.parse(good), line: 1).isEmpty)
        let bad = #"{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], "non_preferred_output": []}"#
        #expect(ChatFormatValidator.check(preference: try JSONParser.parse(bad), line: 1).map(\.code) == ["invalid_preference_output", "invalid_preference_output"])
        let report = try validate(Array(repeating: good, count: 12))
        #expect(report.format == .preference)
        #expect(report.errorCount == 0)
    }
}

@Suite struct DatasetValidatorTests {
    @Test func toyFileFromTheCookbook() throws {
        let text = try String(contentsOfFile: Repository.sharedData("openai-cookbook/toy_chat_fine_tuning.jsonl"), encoding: .utf8)
        let report = try validate(text.split(separator: "\n").map(String.init))
        #expect(report.errors.map(\.code) == ["too_few_examples"])
        #expect(report.issueCounts["missing_system"] == 1)
        #expect(report.issueCounts["missing_user"] == 1)
        #expect(report.warnings.first { $0.code == "missing_system" }?.message.hasPrefix("1 example has no system message") == true)
        #expect(report.lengthOutliers == [5])
    }

    @Test func findsDuplicatesNearDuplicatesAndContradictions() throws {
        let tail = "about the weather in town today and whether I should bring an umbrella or a coat when I walk the dog tonight"
        var lines = (0..<40).map { chat("question number \($0) \(tail)", "answer \($0) is sunny and warm") }
        lines.append(chat("QUESTION number 3   \(tail)", "Answer 3 is sunny and warm"))  // exact (case, spaces)
        lines.append(chat("question number 5 \(tail.replacingOccurrences(of: "the dog", with: "my dog"))", "answer 5 is sunny and warm"))  // near
        lines.append(chat("question number 7 \(tail)", "it will rain"))  // contradiction
        let report = try validate(lines)
        #expect(report.duplicates == [[4, 41]])
        #expect(report.nearDuplicates.contains { $0.contains(6) && $0.contains(42) })
        #expect(report.contradictionCount == 1)
        let group = try #require(report.contradictions.first)
        #expect(group.map(\.line) == [8, 43])
        #expect(group.map(\.answer) == ["answer 7 is sunny and warm", "it will rain"])
    }

    @Test func warnsAboutImbalanceLoudlyAtNinetyPercent() throws {
        let lines = (0..<100).map { chat("ticket \($0)", $0 < 95 ? "refund" : "other") }
        let report = try validate(lines)
        #expect(report.balance?.first?.answer == "refund")
        #expect(report.warnings.contains { $0.code == "class_imbalance_severe" && $0.message.contains("95%") })
        let mild = try validate((0..<100).map { chat("ticket \($0)", $0 < 60 ? "refund" : "other") })
        #expect(mild.warnings.contains { $0.code == "class_imbalance" })
    }

    @Test func flagsEmptyContentAndOverlongExamples() throws {
        var lines = (0..<12).map { chat("q\($0)", "a\($0)") }
        lines.append(chat("   ", "a"))
        lines.append(chat(String(repeating: "word ", count: 200), "long"))
        let report = try validate(lines, options: try ValidationOptions(model: "mine", contextLimit: 100))
        #expect(report.issueCounts["empty_content"] == 1)
        #expect(report.issueCounts["over_context"] == 1)
    }

    @Test func unknownModelNeedsALimit() {
        #expect(throws: ValidationSetupError.self) { try ValidationOptions(model: "my-model") }
    }

    @Test func legacyFilesAreSentToTheImporter() throws {
        let report = try validate(Array(repeating: #"{"prompt": "a", "completion": "b"}"#, count: 20))
        #expect(report.errors.map(\.code) == ["legacy_prompt_completion"])
        #expect(report.errors.first?.message.contains("quorum import") == true)
    }

    @Test func epochsFollowTheDataPrepGuidance() {
        #expect(FineTuningEstimate.epochs(forExamples: 5) == 20)
        #expect(FineTuningEstimate.epochs(forExamples: 2) == 25)
        #expect(FineTuningEstimate.epochs(forExamples: 100) == 3)
        #expect(FineTuningEstimate.epochs(forExamples: 10_000) == 2)
        #expect(FineTuningEstimate.epochs(forExamples: 50_000) == 1)
        let estimate = FineTuningEstimate(model: "m", contextLimit: 10, pricePerMillion: 2, lengths: [5, 20, 10])
        #expect(estimate.billingTokensPerEpoch == 25)
        #expect(estimate.billingTokens == 25 * 25)
    }
}

@Suite struct FastHashTests {
    /// Every length the hash reads differently (empty, 1–3, 4–16, 17–48, longer) and every byte of the input counts.
    @Test func everyLengthAndEveryByteChangeTheKey() {
        let text = Array("The quick brown fox jumps over the lazy dog, then naps in the shade of a café. ".utf8)
        var seen: Set<UInt64> = []
        for length in 0...text.count {
            let prefix = Array(text.prefix(length))
            let key = FastHash.hash(prefix)
            #expect(key == FastHash.hash(prefix))
            seen.insert(key)
            for i in 0..<length {
                var changed = prefix
                changed[i] ^= 0x01
                #expect(FastHash.hash(changed) != key, "flipping byte \(i) of \(length) left the key as it was")
            }
        }
        #expect(seen.count == text.count + 1)
        #expect(FastHash.hash(Array(repeating: 0, count: 8)) != FastHash.hash(Array(repeating: 0, count: 9)))
    }
}
