import Testing
@testable import QuorumCore

/// Every export target: an OpenAI-shaped example converted to the target's line passes the target's own rules;
/// what a target cannot carry is named; each rule's failure names its line, field and code.
@Suite struct TargetTests {
    /// A conversation with a system prompt, two parallel tool calls and their results, weights and declared tools.
    static let toolExample = try! JSONParser.parse("""
        {"messages": [
          {"role": "system", "content": "You book rooms."},
          {"role": "user", "content": "Two rooms in Oslo and Bergen?"},
          {"role": "assistant", "content": null, "weight": 0, "tool_calls": [
            {"id": "call_abc123", "type": "function", "function": {"name": "book", "arguments": "{\\"city\\": \\"Oslo\\"}"}},
            {"id": "call_def456", "type": "function", "function": {"name": "book", "arguments": "{\\"city\\": \\"Bergen\\"}"}}]},
          {"role": "tool", "tool_call_id": "call_abc123", "content": "booked 12"},
          {"role": "tool", "tool_call_id": "call_def456", "content": "booked 7"},
          {"role": "assistant", "content": "Both are booked: rooms 12 and 7.", "weight": 1}],
         "tools": [{"type": "function", "function": {"name": "book", "description": "Book a room", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
         "parallel_tool_calls": true}
        """)
    static let plainExample = try! JSONParser.parse("""
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
        """)
    static let preference = try! JSONParser.parse("""
        {"input": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of Norway?"}]},
         "preferred_output": [{"role": "assistant", "content": "Oslo."}], "non_preferred_output": [{"role": "assistant", "content": "Bergen."}]}
        """)

    func converted(_ example: JSONValue, _ target: ExportTarget, preference: Bool = false) throws -> TargetConverter.Converted {
        try TargetConverter(target: target).convert(example, preference: preference).get()
    }

    func errors(_ line: JSONValue, _ target: ExportTarget) -> [ValidationIssue] {
        TargetRules.check(line, target: target, at: 7).filter { $0.severity == .error }
    }

    @Test(arguments: ExportTarget.allCases)
    func plainConversationsRoundTrip(_ target: ExportTarget) throws {
        let line = try converted(Self.plainExample, target).line
        #expect(errors(line, target).isEmpty, "\(target): \(errors(line, target).map(\.text)) in \(line.jsonText)")
    }

    @Test(arguments: ExportTarget.allCases.filter(\.takesPreferences))
    func preferencesRoundTrip(_ target: ExportTarget) throws {
        let line = try converted(Self.preference, target, preference: true).line
        #expect(TargetRules.isPreference(line))
        #expect(errors(line, target).isEmpty, "\(target): \(errors(line, target).map(\.text)) in \(line.jsonText)")
    }

    @Test func targetsWithoutPreferencesRefuseThem() {
        for target in [ExportTarget.mistral, .bedrockClaude] {
            guard case .failure(let refusal) = TargetConverter(target: target).convert(Self.preference, preference: true) else {
                Issue.record("\(target) took a preference example")
                continue
            }
            #expect(refusal.reason.contains("no preference"))
        }
    }

    @Test func toolConversationsConvertWhereTheTargetCarriesTools() throws {
        for target in [ExportTarget.openai, .azureOpenAI, .fireworks, .mistral, .vertexGemini, .bedrockNova, .trl, .axolotl, .llamaFactory] {
            let result = try converted(Self.toolExample, target)
            #expect(errors(result.line, target).isEmpty, "\(target): \(errors(result.line, target).map(\.text))")
        }
        // Together refuses two tool turns in a row; Claude on Bedrock takes no tool calls.
        for target in [ExportTarget.together, .bedrockClaude] {
            guard case .failure = TargetConverter(target: target).convert(Self.toolExample, preference: false) else {
                Issue.record("\(target) took two tool results in a row")
                continue
            }
        }
    }

    @Test func mistralToolIDsAreNineCharactersAndConsistent() throws {
        let line = try converted(Self.toolExample, .mistral).line
        let messages = line["messages"]?.arrayValue ?? []
        let ids = messages[2]["tool_calls"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(ids.count == 2 && Set(ids).count == 2)
        #expect(ids.allSatisfy { $0.count == 9 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        #expect(messages[3]["tool_call_id"]?.stringValue == ids[0] && messages[4]["tool_call_id"]?.stringValue == ids[1])
        #expect(line["parallel_tool_calls"] == nil)
        // The OpenAI line itself fails Mistral's rule, with the field and the fix.
        let found = errors(Self.toolExample, .mistral).first { $0.code == "tool_call_id_length" }
        #expect(found?.field == "messages[2].tool_calls[0].id" && found?.line == 7 && found?.message.contains("rewrites") == true)
    }

    @Test func whatATargetCannotCarryIsNamed() throws {
        #expect(try converted(Self.toolExample, .trl).dropped.contains { $0.hasPrefix("weight") })
        #expect(try converted(Self.toolExample, .vertexGemini).dropped.contains { $0.hasPrefix("weight") })
        #expect(try converted(Self.toolExample, .vertexGemini).dropped.contains("parallel_tool_calls"))
        #expect(try converted(Self.toolExample, .axolotl).dropped == ["parallel_tool_calls"])  // Axolotl reads the weights
        let claude = try converted(try JSONParser.parse(#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "tools": []}"#), .bedrockClaude)
        #expect(claude.dropped.contains { $0.hasPrefix("tools") })
    }

    @Test func vertexShape() throws {
        let line = try converted(Self.toolExample, .vertexGemini).line
        #expect(line["systemInstruction"]?["parts"]?.arrayValue?.first?["text"] == "You book rooms.")
        let contents = line["contents"]?.arrayValue ?? []
        #expect(contents.map { $0["role"]?.stringValue ?? "" } == ["user", "model", "user", "model"])
        #expect(contents[1]["parts"]?.arrayValue?.first?["functionCall"]?["args"] == ["city": "Oslo"])
        #expect(contents[2]["parts"]?.arrayValue?.count == 2)  // both results in one turn
        #expect(line["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue?.first?["name"] == "book")
    }

    @Test func llamaFactoryShape() throws {
        let line = try converted(Self.toolExample, .llamaFactory).line
        let turns = line["conversations"]?.arrayValue ?? []
        #expect(turns.map { $0["from"]?.stringValue ?? "" } == ["human", "function_call", "observation", "gpt"])
        #expect(line["system"] == "You book rooms." && line["tools"]?.stringValue != nil)
        #expect(turns[2]["value"] == "booked 12\nbooked 7")
    }

    @Test func rulesNameTheLineFieldAndCode() throws {
        func codes(_ text: String, _ target: ExportTarget) throws -> [String: String] {
            Dictionary(errors(try JSONParser.parse(text), target).map { ($0.code, $0.field ?? "") }, uniquingKeysWith: { a, _ in a })
        }
        #expect(try codes(#"{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}], "parallel_tool_calls": false}"#, .together)
                == ["extra_key": "parallel_tool_calls", "repeated_role": "messages[1].role"])
        #expect(try codes(#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0.5}]}"#, .together)["weight"] == "messages[1].weight")
        #expect(try codes(#"{"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "s"}, {"role": "assistant", "content": "b"}]}"#, .fireworks)["system_not_first"] == "messages[1].role")
        #expect(try codes(#"{"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}"#, .vertexGemini)["role"] == "contents[0].role")
        #expect(try codes(#"{"system": "s", "messages": [{"role": "assistant", "content": "b"}, {"role": "user", "content": "a"}], "tools": []}"#, .bedrockClaude)
                == ["extra_key": "tools", "first_role": "messages[0].role", "last_role": "messages[1].role"])
        #expect(try codes(#"{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "User: hi"}]}, {"role": "assistant", "content": [{"text": "ok"}]}]}"#, .bedrockNova)["reserved_string"] == "messages")
        #expect(try codes(#"{"conversations": [{"from": "gpt", "value": "x"}, {"from": "human", "value": "y"}]}"#, .llamaFactory)["turn_order"] == "conversations[0].from")
        #expect(try codes(#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}, {"role": "assistant", "content": "b"}]}"#, .trl)["content_type"] == "messages[0].content")
    }

    /// `passes` (what the export asks every target of every line, no finding worded) agrees with the full check,
    /// for lines of every target's shape, converted and broken alike.
    @Test func passingAgreesWithTheFullCheck() throws {
        var lines = [Self.plainExample, Self.toolExample, Self.preference]
        for target in ExportTarget.allCases {
            for (example, preference) in [(Self.plainExample, false), (Self.toolExample, false), (Self.preference, true)] {
                if let line = try? converted(example, target, preference: preference).line { lines.append(line) }
            }
        }
        lines += try [
            #"{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}], "parallel_tool_calls": false}"#,
            #"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0.5}]}"#,
            #"{"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "s"}, {"role": "assistant", "content": "b"}]}"#,
            #"{"messages": [{"role": "system", "content": "a"}, {"role": "system", "content": "s"}, {"role": "user", "content": "b"}]}"#,
            #"{"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}"#,
            #"{"system": "s", "messages": [{"role": "assistant", "content": "b"}, {"role": "user", "content": "a"}], "tools": []}"#,
            #"{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "User: hi"}]}, {"role": "assistant", "content": [{"text": "ok"}]}]}"#,
            #"{"conversations": [{"from": "gpt", "value": "x"}, {"from": "human", "value": "y"}]}"#,
            #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}, {"role": "assistant", "content": "b"}]}"#,
            #"{"messages": []}"#, #"{"text": "plain"}"#, #"[1, 2]"#,
        ].map { try JSONParser.parse($0) }
        for line in lines {
            for target in ExportTarget.allCases {
                #expect(TargetRules.passes(line, target: target) == errors(line, target).isEmpty, "\(target) on \(line.jsonText)")
            }
        }
    }

    @Test func novasReservedStringsAreFoundInAnyCaseAnywhere() {
        #expect(TargetConverter.novaReservedString(in: "Hello, how are you?") == nil)
        #expect(TargetConverter.novaReservedString(in: "then user: said") == "User:")
        #expect(TargetConverter.novaReservedString(in: "Ærlig talt … [eos]") == "[EOS]")
        #expect(TargetConverter.novaReservedString(in: "<IMAGE>") == "<image>")
        #expect(TargetConverter.novaReservedString(in: "ASSISTANT: first") == "Assistant:")
        #expect(TargetConverter.novaReservedString(in: "ends with bot:") == "Bot:")
        #expect(TargetConverter.novaReservedString(in: "at 12:30 <unk, a [EO] tag: robot:") == "Bot:")
        #expect(TargetConverter.novaReservedString(in: "at 12:30 <unk, a [EO] tag, user :") == nil)
        #expect(TargetConverter.novaReservedString(in: "assistant is not assistant:") == "Assistant:")
        #expect(TargetConverter.novaReservedString(in: "Thought") == nil)
    }

    @Test func arrowLoadersNeedOneTypePerField() {
        let validation = TargetValidation(targets: [.trl, .openai])
        validation.add(batch: [(1, #"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}"#),
                               (2, #"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}"#),
                               (3, #"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": 5}]}"#)], workers: 1)
        let outcome = validation.finish(bytes: 300, byteOrderMark: false)
        let change = outcome.issues[.trl]?.first { $0.code == "type_changed" }
        #expect(change?.line == 3 && change?.field == "messages[].content" && change?.message.contains("line 1") == true)
        #expect(!outcome.validFor.contains(.trl))
    }

    @Test func fileRules() {
        #expect(TargetValidation.fileProblems(target: .azureOpenAI, examples: 20, preferences: 0, bytes: 100, byteOrderMark: false).map(\.code) == ["byte_order_mark"])
        #expect(TargetValidation.fileProblems(target: .azureOpenAI, examples: 20, preferences: 0, bytes: 100, byteOrderMark: true).isEmpty)
        #expect(TargetValidation.fileProblems(target: .openai, examples: 20, preferences: 0, bytes: 100, byteOrderMark: true).map(\.code) == ["unexpected_byte_order_mark"])
        #expect(TargetValidation.fileProblems(target: .fireworks, examples: 2, preferences: 0, bytes: 100, byteOrderMark: false).map(\.code) == ["too_few_examples"])
        #expect(TargetValidation.fileProblems(target: .bedrockNova, examples: 20_001, preferences: 0, bytes: 100, byteOrderMark: false).map(\.code) == ["too_many_examples"])
        #expect(TargetValidation.fileProblems(target: .azureOpenAI, examples: 20, preferences: 0, bytes: 600 << 20, byteOrderMark: true).map(\.code) == ["file_too_large"])
        #expect(TargetValidation.fileProblems(target: .trl, examples: 20, preferences: 3, bytes: 100, byteOrderMark: false).map(\.code) == ["mixed_formats"])
    }
}
