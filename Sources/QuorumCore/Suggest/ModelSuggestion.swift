/// A model's output made into what an annotator is shown as a suggestion, and what became of it once they answered.
public enum ModelSuggestion {
    /// What became of the suggestion an answer was given with.
    public enum Outcome: String, Sendable, CaseIterable {
        /// Submitted as it was suggested.
        case accepted
        /// Changed, but something of it kept.
        case edited
        /// Nothing of it kept (or the item rejected).
        case rejected
        /// No suggestion was shown.
        case none
    }

    /// The item's suggestion from `output`: classify, the label(s) it names (`labels`); spans, the entities it
    /// lists, located in the text (`spans`, code points; an entity not found in the text, or of a type the project
    /// lacks, is dropped and counted); chat, the conversation with the output as its final assistant turn
    /// (`messages`, the draft the annotator corrects). Each names its model and run. Nil when the output gives
    /// nothing to suggest (no label, no entity list).
    public static func make(project: Project, input: JSONValue, output: String, model: String, run: Int64) -> (suggestion: JSONValue, dropped: Int)? {
        var members: [(key: String, value: JSONValue)] = []
        var dropped = 0
        switch project.kind {
        case .classify:
            let folded = Dictionary(project.labels.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            guard let labels = Evaluation.labels(in: output, folded: folded, multiLabel: project.multiLabel) else { return nil }
            members.append(("labels", .array(labels.map { .string($0) })))
        case .spans:
            guard let entities = Evaluation.entities(in: output) else { return nil }
            let located = locate(entities, in: input["text"]?.stringValue ?? "", types: project.labels)
            members.append(("spans", .array(located.spans.map(\.json))))
            dropped = located.dropped
        case .chat:
            let prompt = ExportRenderer(project: project, format: .openaiChat).prompt(input: input).messages
            members.append(("messages", .array(prompt + [["role": "assistant", "content": .string(output)]])))
        case .compare, .rate, .watch:
            return nil
        }
        members.append(("model", .string(model)))
        members.append(("run", .number(String(run))))
        return (.object(members), dropped)
    }

    /// Entities placed in `text`: each at the first occurrence of its text (compared as written) not already taken
    /// by an entity placed before it; overlapping places are skipped so the spans stay a valid answer.
    static func locate(_ entities: [(text: String, type: String)], in text: String, types: [String]) -> (spans: [Span], dropped: Int) {
        let scalars = Array(text.unicodeScalars)
        var spans: [Span] = []
        var dropped = 0
        for entity in entities {
            let needle = Array(entity.text.unicodeScalars)
            guard types.contains(entity.type), !needle.isEmpty, needle.count <= scalars.count else { dropped += 1; continue }
            var placed = false
            var start = 0
            while start + needle.count <= scalars.count {
                if scalars[start] == needle[0], Array(scalars[start..<start + needle.count]) == needle {
                    let span = Span(start: start, end: start + needle.count, label: entity.type, text: entity.text)
                    if !spans.contains(where: { $0.overlaps(span) }) {
                        spans.append(span)
                        placed = true
                        break
                    }
                }
                start += 1
            }
            if !placed { dropped += 1 }
        }
        return (spans.sorted { ($0.start, $0.end) < ($1.start, $1.end) }, dropped)
    }

    /// What became of `suggestion` (the item's, as shown; nil: none shown) in a submitted answer.
    public static func outcome(of suggestion: JSONValue?, answer: AnnotationInput, kind: ProjectKind) -> Outcome {
        guard let suggestion, suggestion != .null else { return .none }
        if answer.decision == .reject { return .rejected }
        switch kind {
        case .classify:
            guard let suggested = suggestion["labels"]?.arrayValue?.compactMap(\.stringValue), !suggested.isEmpty else { return .none }
            if Set(suggested) == Set(answer.labels) { return .accepted }
            return suggested.contains(where: answer.labels.contains) ? .edited : .rejected
        case .spans:
            guard let list = suggestion["spans"]?.arrayValue else { return .none }
            let suggested = Set(list.compactMap(Span.init(json:)).map { "\($0.start):\($0.end):\($0.label)" })
            let given = Set(answer.spans.map { "\($0.start):\($0.end):\($0.label)" })
            if suggested == given { return .accepted }
            return suggested.isDisjoint(with: given) ? .rejected : .edited
        case .chat:
            guard let draft = suggestion["messages"]?.arrayValue?.last(where: { $0["role"]?.stringValue == "assistant" })?.contentText else { return .none }
            let final = answer.messages?.arrayValue?.last(where: { $0["role"]?.stringValue == "assistant" })?.contentText ?? draft
            return final == draft ? .accepted : .edited
        case .compare, .rate, .watch:
            return .none
        }
    }
}
