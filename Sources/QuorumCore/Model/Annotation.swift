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
    /// Compare projects: the answer preferred as the judge saw them (stored in the pair's terms, `inPairTerms`).
    public var choice: Vote.Side?
    /// Rate projects: the value on the project's scale.
    public var rating: String?
    /// Judging projects: per criterion, a side (compare) or a value on the scale (rate).
    public var criteria: [String: String] = [:]

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
        switch body["choice"] {
        case nil, .null?: break
        case .string(let side)? where Vote.Side(rawValue: side) != nil: input.choice = Vote.Side(rawValue: side)
        default: return .failure(FieldError("choice", "must be left, right, tie or both_bad"))
        }
        switch body["rating"] {
        case nil, .null?: break
        case let value?:
            guard let text = Self.scaleValue(value) else { return .failure(FieldError("rating", "must be a value of the project's scale (pass or fail, or 1 to 5)")) }
            input.rating = text
        }
        // "ratings" is the watch API's name for the criteria's ratings.
        if let criteria = body["criteria"] ?? body["ratings"], !criteria.isNull {
            guard let members = criteria.objectValue, members.count <= 50 else {
                return .failure(FieldError("criteria", "must be an object: each criterion's name and its choice or rating"))
            }
            for member in members {
                guard let value = Self.scaleValue(member.value) else {
                    return .failure(FieldError("criteria.\(member.key)", "must be left, right, tie, both_bad or a value of the scale"))
                }
                input.criteria[member.key] = value
            }
        }
        return .success(input)
    }

    /// A choice or a value on a scale, sent as a string or a whole number.
    private static func scaleValue(_ value: JSONValue) -> String? {
        if let text = value.stringValue, text.count <= 20 { return text }
        return value.intValue.map(String.init)
    }

    /// The labels and criteria a judging project stores: a comparison's choices turned into the pair's terms
    /// (`aOnLeft`: whether the pair's a was shown on the left to this judge), a rating as it is.
    public func inPairTerms(kind: ProjectKind, aOnLeft: Bool) -> (labels: [String], criteria: [String: String]) {
        switch kind {
        case .compare:
            return (choice.map { [Vote.Choice($0, aOnLeft: aOnLeft).rawValue] } ?? [],
                    criteria.compactMapValues { Vote.Side(rawValue: $0).map { Vote.Choice($0, aOnLeft: aOnLeft).rawValue } })
        case .rate, .watch:
            return (rating.map { [$0] } ?? [], criteria)
        case .chat, .classify, .spans:
            return (labels, [:])
        }
    }

    /// A judging answer's problems: the verdict (and every criterion) given before submitting, each a known value.
    private func judgingProblems(_ setup: JudgingSetup, kind: ProjectKind) -> [FieldError] {
        var problems: [FieldError] = []
        if !labels.isEmpty { problems.append(FieldError("labels", "a judging project takes \"\(kind == .compare ? "choice" : "rating")\", not labels")) }
        let values = kind == .compare ? Vote.Side.allCases.map(\.rawValue) : setup.labels
        switch kind {
        case .compare:
            if rating != nil { problems.append(FieldError("rating", "a comparison takes \"choice\" (left, right, tie or both_bad), not a rating")) }
            if status == .submitted, choice == nil { problems.append(FieldError("choice", "choose left, right, tie or both_bad before submitting (or skip the item)")) }
        default:
            if choice != nil { problems.append(FieldError("choice", "a rating project takes \"rating\", not a choice")) }
            if let rating, !values.contains(rating) {
                problems.append(FieldError("rating", "\"\(rating)\" is not on the scale (\(values.joined(separator: ", ")))"))
            }
            if status == .submitted, rating == nil { problems.append(FieldError("rating", "rate the answer (\(values.joined(separator: ", "))) before submitting (or skip the item)")) }
        }
        for (name, value) in criteria.sorted(by: { $0.key < $1.key }) {
            if !setup.criteria.contains(name) {
                problems.append(FieldError("criteria.\(name)", "\"\(name)\" is not one of the project's criteria (\(setup.criteria.isEmpty ? "it has none" : setup.criteria.joined(separator: ", ")))"))
            } else if !values.contains(value) {
                problems.append(FieldError("criteria.\(name)", "\"\(value)\" is not one of \(values.joined(separator: ", "))"))
            }
        }
        if status == .submitted, let missing = setup.criteria.first(where: { criteria[$0] == nil }) {
            problems.append(FieldError("criteria.\(missing)", "judge \"\(missing)\" too before submitting"))
        }
        return problems
    }

    /// Checks the answer against the project and the item: known labels, spans that match the text,
    /// a conversation that keeps the chat format.
    public func problems(project: Project, input itemInput: JSONValue) -> [FieldError] {
        if let setup = project.judging, project.kind.isJudging { return judgingProblems(setup, kind: project.kind) }
        var problems: [FieldError] = []
        if choice != nil || rating != nil || !criteria.isEmpty {
            problems.append(FieldError(choice != nil ? "choice" : rating != nil ? "rating" : "criteria", "only compare and rate projects take choices, ratings and criteria"))
        }
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
    /// Judging projects: per criterion, the choice in the pair's terms or the rating.
    public var criteria: [String: String]
    /// What became of the suggestion shown with the item, once submitted.
    public var suggestionOutcome: ModelSuggestion.Outcome?

    public init(id: Int64, itemID: Int64, annotator: User, status: AnnotationStatus, decision: Decision?, labels: [String],
                spans: JSONValue, messages: JSONValue?, note: String, version: Int, secondsSpent: Double, updatedAt: String,
                criteria: [String: String] = [:], suggestionOutcome: ModelSuggestion.Outcome? = nil) {
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
        self.criteria = criteria
        self.suggestionOutcome = suggestionOutcome
    }

    public var json: JSONValue {
        ["id": .number(String(id)), "item_id": .number(String(itemID)),
         "annotator": ["id": .number(String(annotator.id)), "username": .string(annotator.username), "display_name": .string(annotator.displayName)],
         "status": .string(status.rawValue), "decision": decision.map { .string($0.rawValue) } ?? .null,
         "labels": .array(labels.map { .string($0) }), "spans": spans, "messages": messages ?? .null,
         "note": .string(note), "version": .int(version), "seconds_spent": .double(secondsSpent), "updated_at": .string(updatedAt),
         "criteria": .object(criteria.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }),
         "suggestion_outcome": suggestionOutcome.map { .string($0.rawValue) } ?? .null]
    }

    /// The answer as its judge sees it in a judging project: a comparison's choices back on the sides they were
    /// shown on (`aOnLeft`), a rating as `rating`; the labels (the pair's terms) left out, so nothing on an
    /// annotator's page tells which answer was the pair's first.
    public func shownToJudge(kind: ProjectKind, aOnLeft: Bool) -> JSONValue {
        guard kind.isJudging, case .object(var members) = json else { return json }
        func side(_ value: String) -> JSONValue { Vote.Choice(rawValue: value).map { .string($0.side(aOnLeft: aOnLeft).rawValue) } ?? .null }
        members.removeAll { ["labels", "criteria"].contains($0.key) }
        if kind == .compare {
            members.append((key: "choice", value: labels.first.map(side) ?? .null))
            members.append((key: "criteria", value: .object(criteria.sorted { $0.key < $1.key }.map { (key: $0.key, value: side($0.value)) })))
        } else {
            members.append((key: "rating", value: labels.first.map { .string($0) } ?? .null))
            members.append((key: "criteria", value: .object(criteria.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) })))
        }
        return .object(members)
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
