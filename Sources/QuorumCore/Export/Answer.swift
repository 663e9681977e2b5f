/// An item's answer as training data sees it: the labels, the spans, the (corrected) conversation, or a rejection.
public enum Answer: Equatable, Sendable {
    case labels([String])
    case spans([Span])
    case conversation([JSONValue])
    case rejected

    /// What an annotator's submitted answer means for `project`: labels in the project's order, spans in text
    /// order, the corrected conversation or else the original one, or a rejection.
    public static func of(_ submitted: SubmittedAnswer, project: Project, input: JSONValue) -> Answer {
        if submitted.decision == .reject { return .rejected }
        switch project.kind {
        case .classify, .compare, .rate, .watch: return .labels(project.labels.filter(submitted.labels.contains))
        case .spans:
            // A set of spans: one marked twice identically is one.
            var seen = Set<Span>()
            return .spans(submitted.spans.filter { seen.insert($0).inserted }.sorted { ($0.start, $0.end, $0.label) < ($1.start, $1.end, $1.label) })
        case .chat: return .conversation(submitted.messages?.arrayValue ?? input["messages"]?.arrayValue ?? [])
        }
    }

    /// The bytes two answers are compared by: equal bytes, same answer. Conversations compare folded (case and
    /// spacing at the ends ignored), as duplicates do.
    var agreementKey: [UInt8] {
        switch self {
        case .rejected: return [0]
        case .labels(let labels): return Array(("L" + labels.joined(separator: "\u{1F}")).utf8)
        case .spans(let spans): return Array(("S" + spans.map { "\($0.start):\($0.end):\($0.label)" }.joined(separator: "\u{1F}")).utf8)
        case .conversation(let messages): return [UInt8(ascii: "C")] + ConversationKeys(messages: messages).whole
        }
    }

    /// The answer reduced to what agreement still compares once distances are worked out: a conversation to one
    /// message holding a digest of its assistant turns (annotators correct those; equal turns, equal digests),
    /// anything else as it is.
    var compacted: Answer {
        guard case .conversation(let messages) = self else { return self }
        var folded: [UInt8] = []
        for message in messages where message["role"]?.stringValue == "assistant" {
            TextNormalization.appendFolded(([message.contentText] + message.toolCallTexts).joined(separator: "\n"), to: &folded)
            folded.append(0x1E)
        }
        return .conversation([.object([(key: "role", value: "assistant"), (key: "content", value: .string(String(FastHash.hash(folded), radix: 16)))])])
    }

    /// The shape kept in the `gold` table and sent to `PUT /api/items/{id}/gold`.
    public var json: JSONValue {
        switch self {
        case .rejected: return ["decision": "reject"]
        case .labels(let labels): return ["labels": .array(labels.map { .string($0) })]
        case .spans(let spans): return ["spans": .array(spans.map(\.json))]
        case .conversation(let messages): return ["messages": .array(messages)]
        }
    }

    /// Reads a gold answer (`{"labels": [...]}`, `{"spans": [...]}`, `{"messages": [...]}` or `{"decision": "reject"}`)
    /// and checks it as strictly as an annotator's answer.
    public static func decode(_ body: JSONValue, project: Project, input: JSONValue) -> Result<Answer, FieldError> {
        guard case .object(var members) = body else { return .failure(FieldError("body", "must be a JSON object")) }
        members.removeAll { $0.key == "status" }
        members.append((key: "status", value: "submitted"))
        let decoded = AnnotationInput.decode(.object(members))
        guard case .success(let annotation) = decoded else {
            if case .failure(let error) = decoded { return .failure(error) }
            return .failure(FieldError("body", "unreadable"))
        }
        if let problem = annotation.problems(project: project, input: input).first { return .failure(problem) }
        let submitted = SubmittedAnswer(annotator: "", decision: annotation.decision, labels: annotation.labels,
                                        spans: annotation.spans, messages: annotation.messages)
        let answer = Answer.of(submitted, project: project, input: input)
        if case .labels(let labels) = answer, labels.isEmpty {
            return .failure(FieldError("labels", "a gold answer needs at least one label, or \"decision\": \"reject\""))
        }
        return .success(answer)
    }

    /// A short quote for reports: the labels, the spans, or the final assistant message.
    public var summary: String {
        let text: String
        switch self {
        case .rejected: text = "(rejected)"
        case .labels(let labels): text = labels.joined(separator: ", ")
        case .spans(let spans): text = spans.map { "\($0.text) [\($0.label)]" }.joined(separator: "; ")
        case .conversation(let messages): text = messages.last?.contentText ?? ""
        }
        return text.count > 200 ? String(text.prefix(199)) + "…" : text
    }
}
