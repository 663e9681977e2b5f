/// A problem with a request's field, for a 422 that names it.
public struct FieldError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
    public var json: JSONValue { ["field": .string(field), "message": .string(message)] }
}

public enum AnnotationStatus: String, Sendable, CaseIterable { case draft, submitted, skipped }
public enum Decision: String, Sendable, CaseIterable { case accept, reject }

/// What an annotator sends for an item: labels, spans, a corrected conversation, a decision, a note.
public struct AnnotationInput: Sendable {
    public var status: AnnotationStatus
    public var decision: Decision?
    public var labels: [String]
    public var spans: [Span]
    /// The corrected `messages` array (chat projects); nil when unchanged.
    public var messages: JSONValue?
    public var note: String
    /// The version the annotator last saw (0 for a new annotation).
    public var version: Int
    public var secondsSpent: Double

    public init(status: AnnotationStatus, decision: Decision? = nil, labels: [String] = [], spans: [Span] = [],
                messages: JSONValue? = nil, note: String = "", version: Int = 0, secondsSpent: Double = 0) {
        self.status = status
        self.decision = decision
        self.labels = labels
        self.spans = spans
        self.messages = messages
        self.note = note
        self.version = version
        self.secondsSpent = secondsSpent
    }

    /// The most an answer may hold: generous for real work, small enough that no answer fills the database.
    public enum Limits {
        public static let noteCharacters = 20_000
        public static let labels = 200
        public static let labelCharacters = 200
        public static let spans = 10_000
        public static let messagesBytes = 4 << 20
        public static let secondsSpent = 24.0 * 3600
    }

    /// Reads the request body of `PUT /api/items/{id}/annotation`.
    public static func decode(_ body: JSONValue) -> Result<AnnotationInput, FieldError> {
        guard case .object = body else { return .failure(FieldError("body", "must be a JSON object")) }
        guard let statusText = body["status"]?.stringValue, let status = AnnotationStatus(rawValue: statusText) else {
            return .failure(FieldError("status", "must be draft, submitted or skipped"))
        }
        var input = AnnotationInput(status: status)
        switch body["decision"] {
        case nil, .null?: break
        case .string(let d)? where Decision(rawValue: d) != nil: input.decision = Decision(rawValue: d)
        default: return .failure(FieldError("decision", "must be accept, reject or null"))
        }
        if let labels = body["labels"], !labels.isNull {
            guard let list = labels.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                return .failure(FieldError("labels", "must be an array of label names"))
            }
            input.labels = list.compactMap(\.stringValue)
            guard input.labels.count <= Limits.labels else {
                return .failure(FieldError("labels", "at most \(Limits.labels) labels per answer"))
            }
            if let long = input.labels.firstIndex(where: { $0.count > Limits.labelCharacters }) {
                return .failure(FieldError("labels[\(long)]", "a label has at most \(Limits.labelCharacters) characters"))
            }
        }
        if let spans = body["spans"], !spans.isNull {
            guard let list = spans.arrayValue else { return .failure(FieldError("spans", "must be an array")) }
            guard list.count <= Limits.spans else { return .failure(FieldError("spans", "at most \(Limits.spans) spans per answer")) }
            var seen = Set<Span>()
            for (i, span) in list.enumerated() {
                guard let start = span["start"]?.intValue, let end = span["end"]?.intValue,
                      let label = span["label"]?.stringValue, let text = span["text"]?.stringValue else {
                    return .failure(FieldError("spans[\(i)]", "needs start, end, label and text"))
                }
                let span = Span(start: start, end: end, label: label, text: text)
                // The same span twice (a suggestion accepted over one already marked) is one span.
                if seen.insert(span).inserted { input.spans.append(span) }
            }
        }
        if let messages = body["messages"], !messages.isNull {
            guard messages.arrayValue != nil else { return .failure(FieldError("messages", "must be an array of messages")) }
            guard messages.jsonText.utf8.count <= Limits.messagesBytes else {
                return .failure(FieldError("messages", "the corrected conversation may hold at most \(Limits.messagesBytes >> 20) MB"))
            }
            input.messages = messages
        }
        if let note = body["note"], !note.isNull {
            guard let text = note.stringValue else { return .failure(FieldError("note", "must be a string")) }
            guard text.count <= Limits.noteCharacters else {
                return .failure(FieldError("note", "a note has at most \(Limits.noteCharacters) characters (this one has \(text.count))"))
            }
            input.note = text
        }
        if let version = body["version"], !version.isNull {
            guard let v = version.intValue, v >= 0 else { return .failure(FieldError("version", "must be a whole number")) }
            input.version = v
        }
        if let seconds = body["seconds_spent"], !seconds.isNull {
            guard let value = seconds.doubleValue, value.isFinite, value >= 0 else {
                return .failure(FieldError("seconds_spent", "must be a finite number of seconds, 0 or more"))
            }
            input.secondsSpent = min(value, Limits.secondsSpent)
        }
        return .success(input)
    }

    /// Checks the answer against the project and the item: known labels, spans that match the text,
    /// a conversation that keeps the chat format.
    public func problems(project: Project, input itemInput: JSONValue) -> [FieldError] {
        var problems: [FieldError] = []
        for (i, label) in labels.enumerated() where !project.labels.contains(label) {
            problems.append(FieldError("labels[\(i)]", "\"\(label)\" is not one of the project's labels (\(project.labels.joined(separator: ", ")))"))
        }
        if project.kind == .classify, !project.multiLabel, labels.count > 1 {
            problems.append(FieldError("labels", "this project takes one label per item"))
        }
        if project.kind == .classify, status == .submitted, labels.isEmpty, decision != .reject {
            problems.append(FieldError("labels", "pick a label before submitting (or skip the item)"))
        }
        if !spans.isEmpty {
            guard let text = itemInput["text"]?.stringValue else { return problems + [FieldError("spans", "this item has no text to mark")] }
            let codePoints = CodePointText(text)
            let sorted = spans.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
            for (i, span) in spans.enumerated() {
                if !project.labels.contains(span.label) {
                    problems.append(FieldError("spans[\(i)].label", "\"\(span.label)\" is not one of the project's entity types"))
                }
                if case .failure(let failure) = SpanCheck.span(start: span.start, end: span.end, label: span.label, in: codePoints, expectedText: span.text) {
                    problems.append(FieldError("spans[\(i)]", failure.message))
                }
            }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.overlaps(b) && !project.allowsOverlappingSpans {
                problems.append(FieldError("spans", "spans [\(a.start), \(a.end)) and [\(b.start), \(b.end)) overlap"))
            }
        }
        if let messages {
            let example: JSONValue = .object([(key: "messages", value: messages)])
            for problem in ChatShape.problems(of: example) { problems.append(FieldError(problem.field, problem.message)) }
        }
        return problems
    }
}

/// A stored annotation.
public struct Annotation: Sendable {
    public var id: Int64
    public var itemID: Int64
    public var annotator: User
    public var status: AnnotationStatus
    public var decision: Decision?
    public var labels: [String]
    public var spans: JSONValue
    public var messages: JSONValue?
    public var note: String
    public var version: Int
    public var secondsSpent: Double
    public var updatedAt: String

    public init(id: Int64, itemID: Int64, annotator: User, status: AnnotationStatus, decision: Decision?, labels: [String],
                spans: JSONValue, messages: JSONValue?, note: String, version: Int, secondsSpent: Double, updatedAt: String) {
        self.id = id
        self.itemID = itemID
        self.annotator = annotator
        self.status = status
        self.decision = decision
        self.labels = labels
        self.spans = spans
        self.messages = messages
        self.note = note
        self.version = version
        self.secondsSpent = secondsSpent
        self.updatedAt = updatedAt
    }

    public var json: JSONValue {
        ["id": .number(String(id)), "item_id": .number(String(itemID)),
         "annotator": ["id": .number(String(annotator.id)), "username": .string(annotator.username), "display_name": .string(annotator.displayName)],
         "status": .string(status.rawValue), "decision": decision.map { .string($0.rawValue) } ?? .null,
         "labels": .array(labels.map { .string($0) }), "spans": spans, "messages": messages ?? .null,
         "note": .string(note), "version": .int(version), "seconds_spent": .double(secondsSpent), "updated_at": .string(updatedAt)]
    }
}

/// An item as the annotate page gets it.
public struct Item: Sendable {
    public var id: Int64
    public var projectID: Int64
    public var externalID: String?
    public var input: JSONValue
    public var suggestions: JSONValue

    public init(id: Int64, projectID: Int64, externalID: String?, input: JSONValue, suggestions: JSONValue) {
        self.id = id
        self.projectID = projectID
        self.externalID = externalID
        self.input = input
        self.suggestions = suggestions
    }

    public var json: JSONValue {
        ["id": .number(String(id)), "external_id": externalID.map { .string($0) } ?? .null, "input": input, "suggestions": suggestions]
    }
}
