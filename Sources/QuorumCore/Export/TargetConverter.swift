/// Turns an example in OpenAI's shape (a chat line `{"messages", "tools"?, …}` or a preference line `{"input",
/// "preferred_output", "non_preferred_output"}`) into the line a target takes. What the target cannot carry is
/// dropped and named (`dropped`), never silently; an example the target cannot take at all is refused with why.
public struct TargetConverter: Sendable {
    public let target: ExportTarget

    public init(target: ExportTarget) {
        self.target = target
    }

    public struct Converted: Equatable, Sendable {
        public var line: JSONValue
        /// What was left out, one phrase each ("parallel_tool_calls", "weight (…)").
        public var dropped: [String] = []
    }

    public struct Refusal: Error, Equatable, Sendable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    public func convert(_ example: JSONValue, preference: Bool) -> Result<Converted, Refusal> {
        do {
            return .success(try preference ? convertPreference(example) : convertChat(example))
        } catch {
            return .failure(error)
        }
    }

    // MARK: supervised

    private func convertChat(_ example: JSONValue) throws(Refusal) -> Converted {
        let messages = example["messages"]?.arrayValue ?? []
        let tools = example["tools"]?.arrayValue
        var dropped: [String] = []
        /// Top-level members other than messages and tools: named as dropped by the targets that take only those.
        func dropExtras() {
            for member in example.objectValue ?? [] where member.key != "messages" && member.key != "tools" { dropped.append(member.key) }
        }
        switch target {
        case .openai, .azureOpenAI:
            return Converted(line: example)
        case .fireworks:
            try systemOnlyFirst(messages)
            return Converted(line: example)
        case .together:
            try noRepeatedRoles(messages)
            dropExtras()
            return Converted(line: object(["messages": .array(messages), "tools": tools.map(JSONValue.array)]), dropped: dropped)
        case .mistral:
            guard messages.filter({ role($0) == "system" }).count <= 1 else { throw Refusal("Mistral takes one system message at most") }
            dropExtras()
            return Converted(line: object(["messages": .array(Self.mistralToolIDs(messages)), "tools": tools.map(JSONValue.array)]), dropped: dropped)
        case .vertexGemini:
            dropExtras()
            let (system, rest) = try leadingSystem(messages)
            let contents = try geminiContents(rest, dropped: &dropped)
            guard contents.last?["role"]?.stringValue == "model" else { throw Refusal("Vertex needs the example to end on a model turn") }
            return Converted(line: object(["systemInstruction": system.map { ["parts": [["text": .string($0)]]] },
                                           "contents": .array(contents), "tools": tools.map(Self.geminiTools)]), dropped: dropped)
        case .bedrockClaude:
            dropExtras()
            if tools != nil { dropped.append("tools (Claude fine-tuning on Bedrock takes none)") }
            let (system, rest) = try leadingSystem(messages)
            var turns: [JSONValue] = []
            for message in rest {
                guard role(message) == "user" || role(message) == "assistant", message["tool_calls"] == nil else {
                    throw Refusal("Claude fine-tuning on Bedrock takes no tool calls or tool results")
                }
                if message["weight"] != nil { noteWeight(&dropped, "Bedrock") }
                turns.append(["role": .string(role(message)), "content": .string(message.contentText)])
            }
            try alternating(turns.map(role), first: "user", last: "assistant", what: "Claude on Bedrock")
            return Converted(line: object(["system": system.map(JSONValue.string), "messages": .array(turns)]), dropped: dropped)
        case .bedrockNova:
            dropExtras()
            let (system, rest) = try leadingSystem(messages)
            let turns = try novaTurns(rest, dropped: &dropped)
            try alternating(turns.map(role), first: "user", last: "assistant", what: "Nova")
            return Converted(line: object(["schemaVersion": "bedrock-conversation-2024", "system": system.map { [["text": .string($0)]] },
                                           "messages": .array(turns), "toolConfig": tools.map(Self.novaToolConfig)]), dropped: dropped)
        case .trl:
            dropExtras()
            let unweighted = messages.map { message -> JSONValue in
                if message["weight"] != nil { noteWeight(&dropped, "TRL") }
                return without("weight", message)
            }
            return Converted(line: object(["messages": .array(unweighted), "tools": tools.map { .string(JSONValue.array($0).jsonText) }]), dropped: dropped)
        case .axolotl:
            // Axolotl reads `weight` itself (`message_field_training: weight` in the stanza written beside).
            dropExtras()
            return Converted(line: object(["messages": .array(messages), "tools": tools.map(Self.parametersAsText)]), dropped: dropped)
        case .llamaFactory:
            dropExtras()
            let (system, rest) = try leadingSystem(messages)
            let turns = try shareGPT(rest, dropped: &dropped)
            try Self.shareGPTOrder(turns, endsWithAnswer: true)
            return Converted(line: object(["conversations": .array(turns), "system": system.map(JSONValue.string),
                                           "tools": tools.map { .string(JSONValue.array($0).jsonText) }]), dropped: dropped)
        }
    }

    // MARK: preference

    private func convertPreference(_ example: JSONValue) throws(Refusal) -> Converted {
        guard target.takesPreferences else { throw Refusal("\(target.rawValue) takes no preference files") }
        let input = example["input"] ?? .object([])
        let messages = input["messages"]?.arrayValue ?? []
        let tools = input["tools"]?.arrayValue
        guard let preferred = example["preferred_output"]?.arrayValue?.first,
              let other = example["non_preferred_output"]?.arrayValue?.first else { throw Refusal("no preferred and non-preferred answer") }
        var dropped: [String] = []
        switch target {
        case .openai, .azureOpenAI, .fireworks:
            return Converted(line: example)
        case .together:
            guard role(messages.last ?? .null) != "assistant" else { throw Refusal("Together needs the input to end before an assistant turn") }
            return Converted(line: example)
        case .vertexGemini:
            let (system, rest) = try leadingSystem(messages)
            let contents = try geminiContents(rest, dropped: &dropped)
            guard contents.last?["role"]?.stringValue == "user" else { throw Refusal("Vertex needs the conversation to end on a user turn") }
            func completion(_ message: JSONValue, _ score: Int) -> JSONValue {
                ["score": .int(score), "completion": ["role": "model", "parts": [["text": .string(message.contentText)]]]]
            }
            if tools != nil { dropped.append("tools (Vertex preference tuning is text only)") }
            return Converted(line: object(["system_instruction": system.map { ["parts": [["text": .string($0)]]] }, "contents": .array(contents),
                                           "completions": [completion(preferred, 1), completion(other, 0)]]), dropped: dropped)
        case .bedrockNova:
            let (system, rest) = try leadingSystem(messages)
            var turns = try novaTurns(rest, dropped: &dropped)
            func candidate(_ message: JSONValue, _ label: String) -> JSONValue {
                ["content": [["text": .string(message.contentText)]], "preferenceLabel": .string(label)]
            }
            turns.append(["role": "assistant", "candidates": [candidate(preferred, "preferred"), candidate(other, "non-preferred")]])
            try alternating(turns.map(role), first: "user", last: "assistant", what: "Nova")
            return Converted(line: object(["schemaVersion": "bedrock-conversation-2024", "system": system.map { [["text": .string($0)]] },
                                           "messages": .array(turns)]), dropped: dropped)
        case .trl:
            return Converted(line: object(["prompt": .array(messages.map { without("weight", $0) }), "chosen": [without("weight", preferred)],
                                           "rejected": [without("weight", other)], "tools": tools.map { .string(JSONValue.array($0).jsonText) }]))
        case .axolotl:
            return Converted(line: object(["messages": .array(messages), "chosen": without("weight", preferred), "rejected": without("weight", other)]))
        case .llamaFactory:
            let (system, rest) = try leadingSystem(messages)
            let turns = try shareGPT(rest, dropped: &dropped)
            try Self.shareGPTOrder(turns, endsWithAnswer: false)
            return Converted(line: object(["conversations": .array(turns), "system": system.map(JSONValue.string),
                                           "chosen": ["from": "gpt", "value": .string(preferred.contentText)],
                                           "rejected": ["from": "gpt", "value": .string(other.contentText)]]), dropped: dropped)
        case .mistral, .bedrockClaude:
            throw Refusal("\(target.rawValue) takes no preference files")
        }
    }

    // MARK: shared steps

    private func role(_ message: JSONValue) -> String { message["role"]?.stringValue ?? "" }

    /// An object of the members given, in order, leaving out those that are nil.
    private func object(_ members: KeyValuePairs<String, JSONValue?>) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key: key, value: $0) } })
    }

    private func without(_ key: String, _ message: JSONValue) -> JSONValue {
        .object((message.objectValue ?? []).filter { $0.key != key })
    }

    private func noteWeight(_ dropped: inout [String], _ trainer: String) {
        let note = "weight (\(trainer) has no per-turn weight: turns marked 0 are trained)"
        if !dropped.contains(note) { dropped.append(note) }
    }

    /// The system messages at the start, joined, and the messages after them; a system message later is refused.
    private func leadingSystem(_ messages: [JSONValue]) throws(Refusal) -> (String?, [JSONValue]) {
        let count = messages.prefix { role($0) == "system" }.count
        guard !messages.dropFirst(count).contains(where: { role($0) == "system" }) else {
            throw Refusal("\(target.rawValue) takes a system message only at the start")
        }
        let system = count == 0 ? nil : count == 1 ? messages[0].contentText : messages.prefix(count).map(\.contentText).joined(separator: "\n\n")
        return (system, Array(messages.dropFirst(count)))
    }

    private func systemOnlyFirst(_ messages: [JSONValue]) throws(Refusal) {
        guard !messages.dropFirst().contains(where: { role($0) == "system" }) else {
            throw Refusal("\(target.rawValue) takes a system message only as the first")
        }
    }

    private func noRepeatedRoles(_ messages: [JSONValue]) throws(Refusal) {
        for (a, b) in zip(messages, messages.dropFirst()) where role(a) == role(b) {
            throw Refusal("\(target.rawValue) refuses two \(role(a)) turns in a row")
        }
    }

    private func alternating(_ roles: [String], first: String, last: String, what: String) throws(Refusal) {
        guard roles.count >= 2, roles.first == first, roles.last == last,
              !zip(roles, roles.dropFirst()).contains(where: { $0 == $1 }) else {
            throw Refusal("\(what) needs turns alternating \(first) and \(last), from \(first) to \(last) (\(roles.joined(separator: ", ")))")
        }
    }

    /// The function name each tool call id stands for, for results that name only the id.
    private func callNames(_ messages: [JSONValue]) -> [String: String] {
        var names: [String: String] = [:]
        for message in messages {
            for call in message["tool_calls"]?.arrayValue ?? [] {
                if let id = call["id"]?.stringValue { names[id] = call["function"]?["name"]?.stringValue ?? "" }
            }
        }
        return names
    }

    private func arguments(_ call: JSONValue) throws(Refusal) -> JSONValue {
        let text = call["function"]?["arguments"]?.stringValue ?? "{}"
        guard let parsed = try? JSONParser.parse(text), parsed.objectValue != nil else {
            throw Refusal("a tool call's arguments are not a JSON object")
        }
        return parsed
    }

    /// Gemini contents: user and model turns of parts; tool results go back as functionResponse parts of a user
    /// turn, consecutive ones together.
    private func geminiContents(_ messages: [JSONValue], dropped: inout [String]) throws(Refusal) -> [JSONValue] {
        let names = callNames(messages)
        var contents: [(role: String, parts: [JSONValue])] = []
        func add(_ role: String, _ parts: [JSONValue], merge: Bool) {
            if merge, let last = contents.last, last.role == role { contents[contents.count - 1].parts += parts }
            else { contents.append((role, parts)) }
        }
        for message in messages {
            if message["weight"] != nil, !dropped.contains(where: { $0.hasPrefix("weight") }) {
                dropped.append("weight (Vertex trains every model turn)")
            }
            switch role(message) {
            case "user": add("user", [["text": .string(message.contentText)]], merge: false)
            case "assistant":
                var parts: [JSONValue] = message.contentText.isEmpty ? [] : [["text": .string(message.contentText)]]
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    parts.append(["functionCall": ["name": .string(call["function"]?["name"]?.stringValue ?? ""), "args": try arguments(call)]])
                }
                add("model", parts, merge: false)
            case "tool":
                let name = names[message["tool_call_id"]?.stringValue ?? ""] ?? ""
                add("user", [["functionResponse": ["name": .string(name), "response": ["content": .string(message.contentText)]]]], merge: true)
            default:
                throw Refusal("Vertex takes no \(role(message)) turns")
            }
        }
        return contents.map { ["role": .string($0.role), "parts": .array($0.parts)] }
    }

    /// Tools with each function's parameters as a JSON string (Axolotl's advice: schemas differ between tools, and
    /// Arrow holds one type per column).
    static func parametersAsText(_ tools: [JSONValue]) -> JSONValue {
        .array(tools.map { tool in
            guard var members = tool.objectValue, let f = members.firstIndex(where: { $0.key == "function" }),
                  var function = members[f].value.objectValue, let p = function.firstIndex(where: { $0.key == "parameters" }) else { return tool }
            function[p].value = .string(function[p].value.jsonText)
            members[f].value = .object(function)
            return .object(members)
        })
    }

    static func geminiTools(_ tools: [JSONValue]) -> JSONValue {
        let declarations = tools.compactMap { tool -> JSONValue? in
            guard let function = tool["function"] else { return nil }
            return .object((function.objectValue ?? []).filter { ["name", "description", "parameters"].contains($0.key) })
        }
        return [["functionDeclarations": .array(declarations)]]
    }

    /// Nova turns: content blocks; tool calls as toolUse (input an object), results as toolResult blocks of a user
    /// turn; consecutive turns of one role become one (Nova's turns strictly alternate).
    private func novaTurns(_ messages: [JSONValue], dropped: inout [String]) throws(Refusal) -> [JSONValue] {
        var turns: [(role: String, content: [JSONValue])] = []
        for message in messages {
            if message["weight"] != nil { noteWeight(&dropped, "Nova") }
            var role = self.role(message)
            let text = message.contentText
            var blocks: [JSONValue] = text.isEmpty ? [] : [.object([(key: "text", value: .string(text))])]
            switch role {
            case "user": break
            case "assistant":
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    blocks.append(["toolUse": ["toolUseId": .string(call["id"]?.stringValue ?? ""),
                                               "name": .string(call["function"]?["name"]?.stringValue ?? ""), "input": try arguments(call)]])
                }
            case "tool":
                role = "user"
                blocks = [["toolResult": ["toolUseId": .string(message["tool_call_id"]?.stringValue ?? ""),
                                          "content": [["text": .string(text)]]]]]
            default:
                throw Refusal("Nova takes no \(role) turns")
            }
            if let last = turns.last, last.role == role { turns[turns.count - 1].content += blocks }
            else { turns.append((role, blocks)) }
        }
        return turns.map { ["role": .string($0.role), "content": .array($0.content)] }
    }

    static func novaToolConfig(_ tools: [JSONValue]) -> JSONValue {
        let specs = tools.compactMap { tool -> JSONValue? in
            guard let function = tool["function"] else { return nil }
            return ["toolSpec": ["name": function["name"] ?? "", "description": function["description"] ?? "",
                                 "inputSchema": ["json": function["parameters"] ?? ["type": "object"]]]]
        }
        return ["tools": .array(specs)]
    }

    /// Strings Nova's validator refuses anywhere in a text, whatever their case.
    static let novaReserved = ["User:", "Bot:", "Assistant:", "System:", "Thought:", "[EOS]", "<image>", "<video>", "<unk>"]

    private static let novaReservedBytes = novaReserved.map { Array($0.lowercased().utf8) }

    /// The first reserved string `text` holds, whatever its case. Every reserved string ends with ":" or starts
    /// with "[" or "<", bytes rare in text: the UTF-8 bytes are passed over until one of those, and only there are
    /// the strings compared, backwards from a colon or forwards from a bracket, ASCII letters folded. (String's own
    /// search, Unicode-aware, once per string, made a Nova export ten times slower than the others; looking for
    /// every string at each of its first letters, common ones, still cost a tenth of the export.) The export
    /// leaves out a line holding one through Nova's rules (`TargetRules`), which look here.
    static func novaReservedString(in text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            func folded(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }
            func matches(_ pattern: [UInt8], at start: Int) -> Bool {
                guard start >= 0, start + pattern.count <= bytes.count else { return false }
                for k in pattern.indices where folded(bytes[start + k]) != pattern[k] { return false }
                return true
            }
            // The three bytes are found eight bytes at a time.
            var i = 0
            while i < bytes.count {
                i = ByteWords.skip(bytes, from: i) { ByteWords.equal($0, 0x3A) | ByteWords.equal($0, 0x5B) | ByteWords.equal($0, 0x3C) }
                guard i < bytes.count else { break }
                let byte = bytes[i]
                if byte == 0x3A || byte == 0x5B || byte == 0x3C {
                    for (r, pattern) in novaReservedBytes.enumerated() {
                        let start = byte == 0x3A ? i + 1 - pattern.count : i
                        if pattern[byte == 0x3A ? pattern.count - 1 : 0] == byte, matches(pattern, at: start) { return novaReserved[r] }
                    }
                }
                i += 1
            }
            return nil
        }
    }

    /// ShareGPT turns (LLaMA-Factory): human, gpt, function_call (the calls as a JSON list of name and arguments)
    /// and observation (consecutive tool results joined).
    private func shareGPT(_ messages: [JSONValue], dropped: inout [String]) throws(Refusal) -> [JSONValue] {
        var turns: [(from: String, value: String)] = []
        for message in messages {
            if message["weight"] != nil { noteWeight(&dropped, "LLaMA-Factory") }
            switch role(message) {
            case "user": turns.append(("human", message.contentText))
            case "assistant":
                if let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty {
                    if !message.contentText.isEmpty { dropped.append("text beside tool calls (LLaMA-Factory's function_call turn holds the calls only)") }
                    var list: [JSONValue] = []
                    for call in calls {
                        list.append(["name": .string(call["function"]?["name"]?.stringValue ?? ""), "arguments": try arguments(call)])
                    }
                    turns.append(("function_call", JSONValue.array(list).jsonText))
                } else {
                    turns.append(("gpt", message.contentText))
                }
            case "tool":
                if let last = turns.last, last.from == "observation" { turns[turns.count - 1].value += "\n" + message.contentText }
                else { turns.append(("observation", message.contentText)) }
            default:
                throw Refusal("LLaMA-Factory takes no \(role(message)) turns")
            }
        }
        return turns.map { ["from": .string($0.from), "value": .string($0.value)] }
    }

    /// LLaMA-Factory's order: human or observation at odd places (1st, 3rd …), gpt or function_call at even ones;
    /// a training example ends on an answer, a preference prompt on a question.
    static func shareGPTOrder(_ turns: [JSONValue], endsWithAnswer: Bool) throws(Refusal) {
        for (i, turn) in turns.enumerated() {
            let from = turn["from"]?.stringValue ?? ""
            let asking = from == "human" || from == "observation"
            guard asking == (i % 2 == 0) else {
                throw Refusal("LLaMA-Factory needs questions (human, observation) and answers (gpt, function_call) in turn; turn \(i + 1) is \(from)")
            }
        }
        guard !turns.isEmpty, (turns.count % 2 == 0) == endsWithAnswer else {
            throw Refusal(endsWithAnswer ? "LLaMA-Factory needs the example to end on an answer" : "LLaMA-Factory needs a preference prompt to end on a question")
        }
    }

    /// Mistral wants tool-call ids of exactly nine letters and digits: each id is replaced by one made from it
    /// (the same id, the same replacement, in the calls and in the results that answer them).
    static func mistralToolIDs(_ messages: [JSONValue]) -> [JSONValue] {
        var replacements: [String: String] = [:]
        var used: Set<String> = []
        func replacement(_ id: String) -> String {
            if let known = replacements[id] { return known }
            if id.count == 9, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), !used.contains(id) {
                replacements[id] = id
                used.insert(id)
                return id
            }
            let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            var seed: UInt64 = 0
            var made = ""
            repeat {
                var value = FastHash.hash(Array(id.utf8), seed: seed)
                made = String((0..<9).map { _ in
                    defer { value /= 62 }
                    return alphabet[Int(value % 62)]
                })
                seed += 1
            } while used.contains(made)
            replacements[id] = made
            used.insert(made)
            return made
        }
        return messages.map { message in
            guard var members = message.objectValue else { return message }
            for i in members.indices {
                switch members[i].key {
                case "tool_call_id":
                    if let id = members[i].value.stringValue { members[i].value = .string(replacement(id)) }
                case "tool_calls":
                    members[i].value = .array((members[i].value.arrayValue ?? []).map { call in
                        guard var parts = call.objectValue, let k = parts.firstIndex(where: { $0.key == "id" }),
                              let id = parts[k].value.stringValue else { return call }
                        parts[k].value = .string(replacement(id))
                        return .object(parts)
                    })
                default: break
                }
            }
            return .object(members)
        }
    }
}
