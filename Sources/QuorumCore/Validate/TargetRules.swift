/// The line-by-line rules of each export target (sources in `shared/research/export-targets.md`): what one line
/// must look like for that trainer to take it. OpenAI's own rules are `ChatFormatValidator`'s; the rest are here.
/// Each finding has its line, field, a stable code and the fix. File-wide rules are `TargetValidation`'s.
public enum TargetRules {
    /// Whether a line is a preference example (in any target's shape) rather than a training conversation.
    public static func isPreference(_ line: JSONValue) -> Bool {
        ["input", "chosen", "rejected", "completions", "preferred_output"].contains { line[$0] != nil }
            || (line["messages"]?.arrayValue?.last?["candidates"] != nil)
    }

    /// Whether the line has the top-level member every line of the target's shape has: a line without it fails the
    /// target's rules at once (the export asks this first, for every target and record, to skip the rest).
    public static func hasShape(_ line: JSONValue, of target: ExportTarget) -> Bool {
        switch target {
        case .vertexGemini: return line["contents"] != nil
        case .bedrockNova: return line["schemaVersion"] != nil
        case .llamaFactory: return line["conversations"] != nil
        // Nova's lines hold `messages` too, but of content blocks under a schema version no other target takes.
        default: return line["schemaVersion"] == nil && (line["messages"] != nil || line["input"] != nil || line["prompt"] != nil || line["text"] != nil)
        }
    }

    /// `openAI`: the line's findings under OpenAI's rules, when the caller has them already (the rules of OpenAI,
    /// Azure, Fireworks and Mistral start from them). `firstErrorOnly`: only whether the line passes, and the first
    /// error if not (no warnings): an export asks that of every target for every record, and most fail at once.
    public static func check(_ line: JSONValue, target: ExportTarget, at number: Int, openAI: [ValidationIssue]? = nil,
                             preference known: Bool? = nil, firstErrorOnly: Bool = false) -> [ValidationIssue] {
        check(line, target: target, rule: Check(line: number, firstErrorOnly: firstErrorOnly), openAI: openAI, preference: known)
    }

    /// Whether the line meets the target's rules, and nothing more: no finding is worded. The export asks this of
    /// every target for every record, for `valid_for`; wording the first error of each target a line fails (most
    /// fail one at once, at its keys) was a tenth of a converted line's work.
    public static func passes(_ line: JSONValue, target: ExportTarget, openAI: [ValidationIssue]? = nil, preference known: Bool? = nil) -> Bool {
        !check(line, target: target, rule: Check(line: 0, firstErrorOnly: true, unworded: true), openAI: openAI, preference: known)
            .contains { $0.severity == .error }
    }

    private static func check(_ line: JSONValue, target: ExportTarget, rule: Check, openAI: [ValidationIssue]?, preference known: Bool?) -> [ValidationIssue] {
        let number = rule.line
        guard line.objectValue != nil else {
            return [ValidationIssue(.error, line: number, code: "data_type", "each line must be a JSON object, found \(line.typeName)")]
        }
        var rule = rule
        let preference = known ?? isPreference(line)
        func openAIRules() -> [ValidationIssue] {
            openAI ?? ChatFormatValidator.check(line, preference: preference, line: number)
        }
        switch target {
        case .openai, .azureOpenAI:
            return openAIRules()
        case .fireworks:
            rule.issues = openAIRules()
            if !preference, !rule.settled { rule.systemFirst(line["messages"]?.arrayValue ?? [], path: "messages", target: "Fireworks") }
        case .together:
            rule.together(line, preference: preference)
        case .mistral:
            if preference { rule.refuse("mistral_preference", "Mistral fine-tuning takes no preference files: export supervised lines") }
            else { rule.issues = openAIRules(); rule.mistral(line) }
        case .vertexGemini:
            rule.vertex(line, preference: preference)
        case .bedrockClaude:
            if preference { rule.refuse("claude_preference", "Claude fine-tuning on Bedrock takes no preference files") }
            else { rule.bedrockClaude(line) }
        case .bedrockNova:
            rule.nova(line)
        case .trl:
            rule.trl(line, preference: preference)
        case .axolotl:
            rule.axolotl(line, preference: preference)
        case .llamaFactory:
            rule.llamaFactory(line, preference: preference)
        }
        return rule.issues
    }

    /// One line's findings as the rules go.
    struct Check {
        let line: Int
        let firstErrorOnly: Bool
        /// Findings kept with their code only (`passes`): nobody reads their field or message.
        let unworded: Bool
        var issues: [ValidationIssue] = []

        init(line: Int, firstErrorOnly: Bool = false, unworded: Bool = false) {
            self.line = line
            self.firstErrorOnly = firstErrorOnly
            self.unworded = unworded
        }

        /// Texts are made only for findings kept (most lines of another shape fail many rules).
        mutating func error(_ field: @autoclosure () -> String?, _ code: String, _ message: @autoclosure () -> String) {
            guard !firstErrorOnly || !issues.contains(where: { $0.severity == .error }) else { return }
            issues.append(unworded ? ValidationIssue(.error, line: line, code: code, "") : ValidationIssue(.error, line: line, field: field(), code: code, message()))
        }

        /// Whether the answer is known: asked only for the first error, and it is found. The rules' loops stop there
        /// (an export asks every target about every line, and a line in another target's shape fails at its keys).
        var settled: Bool { firstErrorOnly && issues.contains { $0.severity == .error } }

        mutating func warn(_ field: @autoclosure () -> String?, _ code: String, _ message: @autoclosure () -> String) {
            guard !firstErrorOnly else { return }
            issues.append(ValidationIssue(.warning, line: line, field: field(), code: code, message()))
        }

        mutating func refuse(_ code: String, _ message: String) { error(nil, code, message) }

        /// Members other than `allowed` refused (`code` names the target's own error).
        mutating func onlyKeys(_ object: JSONValue, _ allowed: [String], path: @autoclosure () -> String?, target: String) {
            for member in object.objectValue ?? [] where !allowed.contains(where: member.key.isKey) {
                error(path().map { "\($0).\(member.key)" } ?? member.key, "extra_key", "\(target) refuses \"\(member.key)\" here (allowed: \(allowed.joined(separator: ", "))): leave it out (quorum export --target does)")
            }
        }

        /// A non-empty array at `key`, or an error naming it.
        mutating func list(_ object: JSONValue, _ key: String, path: String? = nil) -> [JSONValue]? {
            if settled { return nil }
            let field = path.map { "\($0).\(key)" } ?? key
            guard let items = object[key]?.arrayValue else {
                error(field, "missing_\(key)", object[key] == nil ? "no \"\(key)\" array" : "\"\(key)\" must be an array, found \(object[key]!.typeName)")
                return nil
            }
            if items.isEmpty { error(field, "missing_\(key)", "\"\(key)\" is empty") }
            return items
        }

        mutating func systemFirst(_ messages: [JSONValue], path: String, target: String) {
            for (i, message) in messages.enumerated().dropFirst() where message["role"]?.stringValue == "system" {
                error("\(path)[\(i)].role", "system_not_first", "\(target) takes a system message only as the first message: move it to the start or fold it into the first one")
            }
        }

        /// Roles from `from` in strict turn: first `first`, last `last`, never the same twice in a row.
        mutating func alternation(_ roles: [String], path: String, first: String, last: String, target: String) {
            for (i, (a, b)) in zip(roles, roles.dropFirst()).enumerated() where a == b {
                error("\(path)[\(i + 1)].role", "repeated_role", "\(target) needs turns to alternate; messages \(i) and \(i + 1) are both \(a): merge them")
            }
            if let head = roles.first, head != first { error("\(path)[0].role", "first_role", "\(target) needs the first turn to be \(first), not \(head)") }
            if let tail = roles.last, tail != last { error("\(path)[\(roles.count - 1)].role", "last_role", "\(target) needs the last turn to be \(last), not \(tail)") }
        }

        // MARK: Together

        mutating func together(_ line: JSONValue, preference: Bool) {
            if preference {
                onlyKeys(line, ["input", "preferred_output", "non_preferred_output"], path: nil, target: "Together")
                let messages = line["input"].map { list($0, "messages", path: "input") ?? [] } ?? []
                if line["input"] == nil { error("input", "missing_input", "a preference line needs \"input\" with \"messages\"") }
                if messages.last?["role"]?.stringValue == "assistant" {
                    error("input.messages", "input_ends_with_assistant", "Together needs the input to end before the answers: drop its last assistant turn")
                }
                for key in ["preferred_output", "non_preferred_output"] {
                    guard let output = line[key]?.arrayValue, output.count == 1, output[0]["role"]?.stringValue == "assistant",
                          output[0]["content"] != nil else {
                        error(key, "invalid_preference_output", "\"\(key)\" must hold exactly one assistant message with content")
                        continue
                    }
                }
                return
            }
            onlyKeys(line, ["messages", "tools"], path: nil, target: "Together")
            guard let messages = list(line, "messages") else { return }
            let roles = messages.map { $0["role"]?.stringValue ?? "" }
            for (i, message) in messages.enumerated() where !settled {
                let role = roles[i]
                if !["system", "user", "assistant", "tool"].contains(where: role.isKey) {
                    error("messages[\(i)].role", "role", "Together takes the roles system, user, assistant and tool, not \"\(role)\"")
                }
                if let weight = message["weight"], weight != .int(0), weight != .int(1) {
                    error("messages[\(i)].weight", "weight", "Together takes weight 0 or 1 (a whole number), not \(weight.jsonText)")
                }
            }
            for (i, (a, b)) in zip(roles, roles.dropFirst()).enumerated() where a == b {
                error("messages[\(i + 1)].role", "repeated_role", "Together refuses two \(a) turns in a row (messages \(i) and \(i + 1)): merge them")
            }
            if !roles.contains("assistant") { error("messages", "no_assistant", "Together needs at least one assistant message") }
        }

        // MARK: Mistral

        mutating func mistral(_ line: JSONValue) {
            if settled { return }
            let messages = line["messages"]?.arrayValue ?? []
            if messages.filter({ $0["role"]?.stringValue == "system" }).count > 1 {
                error("messages", "system_count", "Mistral takes one system message at most: join them")
            }
            if let last = messages.last?["role"]?.stringValue, last != "assistant" {
                error("messages[\(messages.count - 1)].role", "last_role", "Mistral needs the last message to be the assistant's, not \(last)")
            }
            for (i, message) in messages.enumerated() where !settled {
                for (j, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    let id = call["id"]?.stringValue ?? ""
                    if !Self.isMistralID(id) {
                        error("messages[\(i)].tool_calls[\(j)].id", "tool_call_id_length",
                              "Mistral needs tool-call ids of exactly 9 letters and digits, not \"\(id)\" (quorum export --target mistral rewrites them)")
                    }
                }
                if message["role"]?.stringValue == "tool" {
                    let id = message["tool_call_id"]?.stringValue ?? ""
                    if !Self.isMistralID(id) {
                        error("messages[\(i)].tool_call_id", "tool_call_id_length", "Mistral needs the tool_call_id of a result to be a 9-character id, not \"\(id)\"")
                    }
                }
            }
            for (i, tool) in (line["tools"]?.arrayValue ?? []).enumerated() {
                for key in ["name", "description"] where tool["function"]?[key]?.stringValue == nil {
                    error("tools[\(i)].function.\(key)", "tool_\(key)", "Mistral needs every tool's function to have a \(key)")
                }
                if tool["function"]?["parameters"]?.objectValue == nil {
                    error("tools[\(i)].function.parameters", "tool_parameters", "Mistral needs every tool's parameters as an object")
                }
            }
        }

        static func isMistralID(_ id: String) -> Bool { id.utf8.count == 9 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }

        // MARK: Vertex (Gemini)

        mutating func vertex(_ line: JSONValue, preference: Bool) {
            if line["messages"] != nil {
                error("messages", "openai_shape", "Vertex takes \"contents\" with user and model turns, not OpenAI's \"messages\": export with --target vertex-gemini")
                return
            }
            onlyKeys(line, preference ? ["system_instruction", "systemInstruction", "contents", "completions"]
                                      : ["systemInstruction", "system_instruction", "contents", "tools"], path: nil, target: "Vertex")
            for key in ["systemInstruction", "system_instruction"] {
                if let system = line[key], system["parts"]?.arrayValue == nil {
                    error(key, "system_instruction", "\"\(key)\" must be a content with \"parts\": {\"parts\": [{\"text\": …}]}")
                }
            }
            guard let contents = list(line, "contents") else { return }
            for (i, content) in contents.enumerated() where !settled {
                let role = content["role"]?.stringValue ?? ""
                if role != "user" && role != "model" {
                    error("contents[\(i)].role", "role", "Vertex takes the roles user and model, not \"\(role)\" (the assistant is \"model\"; system goes in systemInstruction)")
                }
                guard let parts = content["parts"]?.arrayValue, !parts.isEmpty else {
                    error("contents[\(i)].parts", "parts", "each content needs a non-empty \"parts\" array")
                    continue
                }
                for (j, part) in parts.enumerated() {
                    var at: String { "contents[\(i)].parts[\(j)]" }
                    if let call = part["functionCall"] {
                        if role != "model" { error(at, "function_call_role", "a functionCall part belongs in a model turn") }
                        if call["args"]?.objectValue == nil { error("\(at).functionCall.args", "function_args", "functionCall.args must be an object, not a JSON string") }
                    } else if part["functionResponse"] != nil {
                        if role != "user" { error(at, "function_response_role", "a functionResponse part belongs in a user turn") }
                    } else if part["text"]?.stringValue == nil && part["fileData"] == nil {
                        error(at, "part", "a part holds \"text\" (a string), \"fileData\", \"functionCall\" or \"functionResponse\"")
                    }
                }
            }
            let last = contents.last?["role"]?.stringValue
            if preference {
                if last != "user" { error("contents", "last_role", "a Vertex preference example's contents end on a user turn") }
                let scores = (line["completions"]?.arrayValue ?? []).map { $0["score"]?.intValue }
                if scores.count != 2 || Set(scores.compactMap { $0 }) != [0, 1] {
                    error("completions", "completions", "Vertex needs exactly two completions, one with score 1 and one with score 0")
                }
            } else if last != "model" {
                error("contents", "last_role", "a Vertex training example ends on a model turn")
            }
        }

        // MARK: Bedrock

        mutating func bedrockClaude(_ line: JSONValue) {
            onlyKeys(line, ["system", "messages"], path: nil, target: "Claude on Bedrock")
            if let system = line["system"], system.stringValue == nil {
                error("system", "system", "\"system\" must be a string")
            }
            guard let messages = list(line, "messages") else { return }
            for (i, message) in messages.enumerated() where !settled {
                onlyKeys(message, ["role", "content"], path: "messages[\(i)]", target: "Claude on Bedrock")
                if message["content"]?.stringValue == nil { error("messages[\(i)].content", "content", "content must be a string") }
                if message["role"]?.stringValue == "system" {
                    error("messages[\(i)].role", "role", "Claude on Bedrock takes the system prompt as the top-level \"system\" string, not a message")
                }
            }
            if messages.count < 2 { error("messages", "too_few_messages", "Claude on Bedrock needs at least a user and an assistant message") }
            alternation(messages.map { $0["role"]?.stringValue ?? "" }, path: "messages", first: "user", last: "assistant", target: "Claude on Bedrock")
        }

        mutating func nova(_ line: JSONValue) {
            if line["schemaVersion"]?.stringValue != "bedrock-conversation-2024" {
                error("schemaVersion", "schema_version", "Nova needs \"schemaVersion\": \"bedrock-conversation-2024\"")
            }
            onlyKeys(line, ["schemaVersion", "system", "messages", "toolConfig"], path: nil, target: "Nova")
            if let system = line["system"], !(system.arrayValue?.allSatisfy { $0["text"]?.stringValue != nil } ?? false) {
                error("system", "system", "\"system\" must be a list of {\"text\": …}")
            }
            guard let messages = list(line, "messages") else { return }
            // The first reserved string in any text, looked for as the texts are met (not gathered first).
            var reserved: String?
            func look(_ text: String?) {
                if reserved == nil, let text { reserved = TargetConverter.novaReservedString(in: text) }
            }
            (line["system"]?.arrayValue ?? []).forEach { look($0["text"]?.stringValue) }
            let tools = Set((line["toolConfig"]?["tools"]?.arrayValue ?? []).compactMap { $0["toolSpec"]?["name"]?.stringValue })
            var uses: Set<String> = []
            for (i, message) in messages.enumerated() where !settled {
                let role = message["role"]?.stringValue ?? ""
                if role != "user" && role != "assistant" { error("messages[\(i)].role", "role", "Nova takes the roles user and assistant, not \"\(role)\"") }
                if let candidates = message["candidates"]?.arrayValue {
                    let labels = Set(candidates.compactMap { $0["preferenceLabel"]?.stringValue })
                    if i != messages.count - 1 || role != "assistant" || candidates.count < 2 || labels != ["preferred", "non-preferred"] {
                        error("messages[\(i)].candidates", "candidates", "Nova's preference turn is the last, an assistant's, with two or more candidates labelled preferred and non-preferred")
                    }
                    candidates.forEach { ($0["content"]?.arrayValue ?? []).forEach { look($0["text"]?.stringValue) } }
                    continue
                }
                guard let blocks = message["content"]?.arrayValue, !blocks.isEmpty else {
                    error("messages[\(i)].content", "content", "content must be a non-empty list of blocks ({\"text\": …}, {\"toolUse\": …}, …)")
                    continue
                }
                for (j, block) in blocks.enumerated() {
                    var at: String { "messages[\(i)].content[\(j)]" }
                    if let text = block["text"]?.stringValue { look(text) }
                    else if let use = block["toolUse"] {
                        if role != "assistant" { error(at, "tool_use_role", "toolUse belongs in an assistant turn") }
                        if use["input"]?.objectValue == nil { error("\(at).toolUse.input", "tool_input", "toolUse.input must be an object, not a JSON string") }
                        if let name = use["name"]?.stringValue, !tools.contains(name) {
                            error("\(at).toolUse.name", "unknown_tool", "\"\(name)\" is not among toolConfig's tools")
                        }
                        if let id = use["toolUseId"]?.stringValue, !uses.insert(id).inserted {
                            error("\(at).toolUse.toolUseId", "tool_use_id", "toolUseId \"\(id)\" is used twice")
                        }
                    } else if let result = block["toolResult"] {
                        if role != "user" { error(at, "tool_result_role", "toolResult belongs in a user turn") }
                        if let id = result["toolUseId"]?.stringValue, !uses.contains(id) {
                            error("\(at).toolResult.toolUseId", "tool_result_id", "toolResult answers \"\(id)\", which no earlier toolUse has")
                        }
                        (result["content"]?.arrayValue ?? []).forEach { look($0["text"]?.stringValue) }
                    } else if ["image", "video", "document", "reasoningContent"].allSatisfy({ block[$0] == nil }) {
                        error(at, "block", "a content block holds text, image, video, document, toolUse, toolResult or reasoningContent")
                    }
                }
            }
            alternation(messages.map { $0["role"]?.stringValue ?? "" }, path: "messages", first: "user", last: "assistant", target: "Nova")
            if let found = reserved {
                error("messages", "reserved_string", "Nova refuses the reserved string \"\(found)\" in a text: reword it")
            }
        }

        // MARK: Hugging Face trainers

        /// `{role, content}` messages, with tool calls and results as TRL and Axolotl read them.
        mutating func roleMessages(_ messages: [JSONValue], path: String, trainer: String, weightIgnored: Bool) {
            for (i, message) in messages.enumerated() where !settled {
                var at: String { "\(path)[\(i)]" }
                guard message.objectValue != nil else { error(at, "data_type", "a message must be an object"); continue }
                let role = message["role"]?.stringValue ?? ""
                if !["system", "user", "assistant", "tool"].contains(where: role.isKey) {
                    error("\(at).role", "role", "\(trainer) reads the roles system, user, assistant and tool, not \"\(role)\"")
                }
                if let content = message["content"], content.stringValue == nil, !content.isNull {
                    error("\(at).content", "content_type", "\(trainer) loads content as text: one string per message (content parts change the column's type)")
                }
                if weightIgnored, message["weight"] != nil {
                    warn("\(at).weight", "weight_ignored", "\(trainer) has no per-turn weight: a turn marked 0 is trained (quorum export --target \(trainer.lowercased()) drops it and says so)")
                }
                for (j, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() where call["function"]?["arguments"]?.stringValue == nil {
                    error("\(at).tool_calls[\(j)].function.arguments", "arguments_type", "keep arguments a JSON string: their keys differ between calls, which Arrow cannot hold as objects")
                }
            }
        }

        mutating func toolsAsText(_ line: JSONValue, trainer: String) {
            if let tools = line["tools"], tools.stringValue == nil {
                error("tools", "tools_type", "\(trainer): keep \"tools\" a JSON string (their schemas differ between rows, which Arrow cannot hold as objects)")
            }
        }

        mutating func trl(_ line: JSONValue, preference: Bool) {
            toolsAsText(line, trainer: "TRL")
            if preference {
                onlyKeys(line, ["prompt", "chosen", "rejected", "tools"], path: nil, target: "TRL's preference format")
                for key in ["prompt", "chosen", "rejected"] {
                    guard let messages = list(line, key) else { continue }
                    roleMessages(messages, path: key, trainer: "TRL", weightIgnored: true)
                }
                return
            }
            if line["prompt"] != nil || line["completion"] != nil {
                for key in ["prompt", "completion"] where line[key] == nil { error(key, "missing_\(key)", "a prompt-completion row needs both \"prompt\" and \"completion\"") }
                return
            }
            if line["text"]?.stringValue != nil { return }
            onlyKeys(line, ["messages", "tools"], path: nil, target: "TRL")
            guard let messages = list(line, "messages") else { return }
            roleMessages(messages, path: "messages", trainer: "TRL", weightIgnored: true)
            if !messages.contains(where: { $0["role"]?.stringValue == "assistant" }) { error("messages", "no_assistant", "nothing to train: no assistant message") }
        }

        mutating func axolotl(_ line: JSONValue, preference: Bool) {
            for (i, tool) in (line["tools"]?.arrayValue ?? []).enumerated() where tool["function"]?["parameters"].map({ $0.stringValue == nil }) ?? false {
                error("tools[\(i)].function.parameters", "parameters_type", "Axolotl: keep each tool's parameters a JSON string (schemas differ between tools, which Arrow cannot hold as objects)")
            }
            if let tools = line["tools"], tools.arrayValue == nil { error("tools", "tools_type", "Axolotl reads \"tools\" as a list of tools") }
            guard let messages = list(line, "messages") else { return }
            roleMessages(messages, path: "messages", trainer: "Axolotl", weightIgnored: false)
            if preference {
                for key in ["chosen", "rejected"] {
                    guard let message = line[key], message.objectValue != nil, message["role"]?.stringValue == "assistant", message["content"]?.stringValue != nil else {
                        error(key, "preference_answer", "Axolotl's chat_template preference rows hold \"\(key)\" as one assistant message {role, content}")
                        continue
                    }
                }
            } else if !messages.contains(where: { $0["role"]?.stringValue == "assistant" }) {
                error("messages", "no_assistant", "nothing to train: no assistant message")
            }
        }

        mutating func llamaFactory(_ line: JSONValue, preference: Bool) {
            if line["messages"] != nil {
                error("messages", "openai_shape", "LLaMA-Factory's sharegpt rows hold \"conversations\" of {from, value}: export with --target llama-factory")
                return
            }
            if let tools = line["tools"], tools.stringValue == nil { error("tools", "tools_type", "LLaMA-Factory reads \"tools\" as a JSON string") }
            if let system = line["system"], system.stringValue == nil { error("system", "system", "\"system\" must be a string") }
            guard let turns = list(line, "conversations") else { return }
            for (i, turn) in turns.enumerated() where !settled {
                let from = turn["from"]?.stringValue ?? ""
                if turn["value"]?.stringValue == nil { error("conversations[\(i)].value", "value", "each turn's value must be a string") }
                let asking = from == "human" || from == "observation"
                guard asking || from == "gpt" || from == "function_call" else {
                    error("conversations[\(i)].from", "role_tag", "LLaMA-Factory's tags are human, gpt, observation and function_call, not \"\(from)\" (the system prompt goes in \"system\")")
                    continue
                }
                if asking != (i % 2 == 0) {
                    error("conversations[\(i)].from", "turn_order", "LLaMA-Factory drops a row whose turns do not alternate question (human, observation) and answer (gpt, function_call); turn \(i + 1) is \(from)")
                }
            }
            if preference {
                if turns.count % 2 == 0 { error("conversations", "turn_count", "a preference row's conversation ends on a question (an odd number of turns)") }
                for key in ["chosen", "rejected"] where line[key]?["value"]?.stringValue == nil {
                    error(key, "preference_answer", "\"\(key)\" must be one turn {\"from\": \"gpt\", \"value\": …}")
                }
            } else if turns.count % 2 != 0 {
                error("conversations", "turn_count", "LLaMA-Factory drops a row that does not end on an answer (an even number of turns)")
            }
        }
    }
}
