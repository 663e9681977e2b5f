import Foundation

/// Turns an item and its resolved answer into what one record of the export file says, in each format.
public struct ExportRenderer: Sendable {
    public let project: Project
    public let format: ExportFormat

    public init(project: Project, format: ExportFormat) {
        self.project = project
        self.format = format
    }

    /// One record: its text (without the final newline), the fine-tuning example it is (for the chat-format
    /// rules and token counts), and the keys duplicates, contradictions and the split go by.
    public struct Record {
        public var text: String
        /// The JSON object of an `openai-chat` or `dpo` line; nil for the other formats.
        public var example: JSONValue?
        var keys: ConversationKeys
        /// The label set a stratified split keeps in proportion ("" when there is none).
        public var stratum: String
        /// What the class balance counts: the labels, or the entity types (once per entity).
        public var balance: [String]
    }

    /// The system message of classify and spans examples: the project's own, or one naming the labels.
    public var systemPrompt: String {
        if !project.systemPrompt.isEmpty { return project.systemPrompt }
        let labels = project.labels.joined(separator: ", ")
        switch project.kind {
        case .classify where project.multiLabel:
            return "Label the text with every category that applies, from: \(labels). Answer with the category names only, separated by commas, in that order."
        case .classify:
            return "Classify the text into exactly one of these categories: \(labels). Answer with the category name only."
        case .spans:
            return "Extract the named entities from the text. Entity types: \(labels). Answer with JSON of the form "
                + "{\"entities\": [{\"text\": \"...\", \"type\": \"...\"}]}, listing the entities in order of appearance."
        case .chat, .compare, .rate, .watch:
            return ""
        }
    }

    /// The record for an item, or the reason it has none in this format (a `dpo` export of an uncorrected answer).
    /// `storedLine` is the item's imported line when its conversation is exported unchanged: written as it is.
    public func record(input: JSONValue, answer: Answer, storedLine: String? = nil) -> Result<Record, ExclusionReason> {
        if project.kind == .compare { return judgedRecord(input: input, answer: answer) }
        if project.kind == .watch { return correctedRecord(input: input) }
        let text = input["text"]?.stringValue ?? ""
        var labels: [String] = []
        var spans: [Span] = []
        var chat: [JSONValue]
        switch answer {
        case .rejected:
            return .failure(.rejected)
        case .conversation(let messages):
            chat = messages
        case .labels(let chosen):
            labels = chosen
            chat = conversation(text: text, answer: chosen.joined(separator: ", "))
        case .spans(let marked):
            spans = marked
            let entities = JSONValue.array(marked.map { ["text": .string($0.text), "type": .string($0.label)] })
            chat = conversation(text: text, answer: JSONValue.object([(key: "entities", value: entities)]).jsonText)
        }
        var example: JSONValue? = nil
        let line: String
        switch format {
        case .openaiChat where storedLine != nil && project.kind == .chat:
            example = input
            line = storedLine!
        case .openaiChat:
            let object = replacing("messages", with: .array(chat), in: project.kind == .chat ? input : .object([]))
            example = object
            line = object.jsonText
        case .dpo:
            guard let pair = preferencePair(original: input, corrected: chat) else { return .failure(.noPreferencePair) }
            example = pair.example
            chat = pair.messages
            line = pair.example.jsonText
        case .doccano:
            let label: JSONValue = project.kind == .spans
                ? .array(spans.map { [.int($0.start), .int($0.end), .string($0.label)] })
                : .array(labels.map { .string($0) })
            line = (["text": .string(text), "label": label] as JSONValue).jsonText
        case .spacy:
            let marked = JSONValue.array(spans.map { ["start": .int($0.start), "end": .int($0.end), "label": .string($0.label)] })
            line = (["text": .string(text), "spans": marked] as JSONValue).jsonText
        case .conll:
            line = Self.conll(text: text, spans: spans)
        case .csv:
            line = Self.csvField(text) + "," + Self.csvField(labels.joined(separator: ", "))
        }
        return .success(Record(text: line, example: example, keys: ConversationKeys(messages: chat),
                               stratum: project.kind == .classify ? labels.joined(separator: "\u{1F}") : "",
                               balance: project.kind == .spans ? spans.map(\.label) : labels))
    }

    /// What a model is asked for an item: exactly what the item's `openai-chat` line holds without its final
    /// assistant answer — the system prompt and the text (classify, spans), or the conversation up to its last
    /// assistant turn (chat), with the tools the item declares.
    public func prompt(input: JSONValue) -> (messages: [JSONValue], tools: [JSONValue]?) {
        switch project.kind {
        case .classify, .spans:
            return (Array(conversation(text: input["text"]?.stringValue ?? "", answer: "").dropLast()), nil)
        case .chat:
            let messages = input["messages"]?.arrayValue ?? []
            let last = messages.lastIndex { $0["role"]?.stringValue == "assistant" } ?? messages.count
            return (Array(messages[..<last]), input["tools"]?.arrayValue)
        case .compare, .rate, .watch:
            return (input["messages"]?.arrayValue ?? [], nil)
        }
    }

    /// A watch sample's record, once a lead corrected it: the conversation with the answer it should have had
    /// (`openai-chat`), or that answer over the model's (`dpo`). A sample not corrected has none.
    private func correctedRecord(input: JSONValue) -> Result<Record, ExclusionReason> {
        guard let corrected = input["correction"]?.arrayValue, let answer = corrected.last, answer["role"]?.stringValue == "assistant" else {
            return .failure(.noPreferencePair)
        }
        let prompt = Array(corrected.dropLast())
        let served: JSONValue = ["role": "assistant", "content": .string(input["response"]?.stringValue ?? "")]
        let example: JSONValue = format == .dpo
            ? ["input": ["messages": .array(prompt)], "preferred_output": [answer], "non_preferred_output": [served]]
            : ["messages": .array(corrected)]
        return .success(Record(text: example.jsonText, example: example, keys: ConversationKeys(messages: corrected), stratum: "", balance: []))
    }

    /// A judged comparison's record: the prompt and the preferred answer (`openai-chat`), or the preferred answer
    /// over the other (`dpo`, OpenAI's preference shape that every target's converter starts from). A tie or both
    /// bad prefers nothing.
    private func judgedRecord(input: JSONValue, answer: Answer) -> Result<Record, ExclusionReason> {
        guard case .labels(let chosen) = answer, let choice = chosen.first.flatMap(Vote.Choice.init(rawValue:)) else { return .failure(.rejected) }
        let prompt = input["messages"]?.arrayValue ?? []
        let responses = input["responses"]?.arrayValue ?? []
        guard choice == .a || choice == .b, responses.count == 2 else { return .failure(.noPreference) }
        func turn(_ response: JSONValue) -> JSONValue { ["role": "assistant", "content": .string(response.stringValue ?? "")] }
        let preferred = turn(responses[choice == .a ? 0 : 1]), other = turn(responses[choice == .a ? 1 : 0])
        let chat = prompt + [preferred]
        let example: JSONValue = format == .dpo
            ? ["input": ["messages": .array(prompt)], "preferred_output": [preferred], "non_preferred_output": [other]]
            : ["messages": .array(chat)]
        return .success(Record(text: example.jsonText, example: example, keys: ConversationKeys(messages: chat), stratum: "", balance: []))
    }

    private func conversation(text: String, answer: String) -> [JSONValue] {
        [["role": "system", "content": .string(systemPrompt)], ["role": "user", "content": .string(text)],
         ["role": "assistant", "content": .string(answer)]]
    }

    /// `object` with `key` set to `value`, every other member (`tools`, `parallel_tool_calls`, …) kept in place.
    private func replacing(_ key: String, with value: JSONValue, in object: JSONValue) -> JSONValue {
        var members = object.objectValue ?? []
        if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value }
        else { members.insert((key: key, value: value), at: 0) }
        return .object(members)
    }

    /// A preference example from a corrected final assistant answer: the conversation before it as input, the
    /// correction preferred and the original not, one assistant turn each as the API requires.
    private func preferencePair(original: JSONValue, corrected: [JSONValue]) -> (example: JSONValue, messages: [JSONValue])? {
        let before = original["messages"]?.arrayValue ?? []
        guard let k = corrected.lastIndex(where: { $0["role"]?.stringValue == "assistant" }), k < before.count,
              before[k]["role"]?.stringValue == "assistant" else { return nil }
        func turn(_ message: JSONValue) -> JSONValue {
            .object((message.objectValue ?? []).filter { ["role", "content", "tool_calls"].contains($0.key) })
        }
        let preferred = turn(corrected[k]), rejected = turn(before[k])
        guard preferred != rejected else { return nil }
        var input: [(key: String, value: JSONValue)] = [(key: "messages", value: .array(Array(corrected[..<k])))]
        for member in original.objectValue ?? [] where ["tools", "parallel_tool_calls"].contains(member.key) { input.append(member) }
        let example: JSONValue = .object([(key: "input", value: .object(input)), (key: "preferred_output", value: [preferred]),
                                          (key: "non_preferred_output", value: [rejected])])
        return (example, Array(corrected[..<k]) + [preferred])
    }

    /// BIO tags over whitespace tokens, one `token TAB tag` line each. A token overlapping a span is tagged with
    /// it (B- on the first such token): CoNLL cannot mark part of a token.
    static func conll(text: String, spans: [Span]) -> String {
        var lines: [String] = []
        var token = String.UnicodeScalarView()
        var tokenStart = 0
        var previous: Span? = nil
        func flush(end: Int) {
            guard !token.isEmpty else { return }
            let span = spans.first { $0.start < end && tokenStart < $0.end }
            let tag = span.map { ($0 == previous ? "I-" : "B-") + $0.label } ?? "O"
            lines.append(String(token) + "\t" + tag)
            previous = span
            token = String.UnicodeScalarView()
        }
        var offset = 0
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace { flush(end: offset) }
            else {
                if token.isEmpty { tokenStart = offset }
                token.append(scalar)
            }
            offset += 1
        }
        flush(end: offset)
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
