import Foundation

/// The export's first pass: resolves, renders and checks every item (on several threads), hands each record's
/// text to the caller to keep, and remembers per record only what the plan needs (80 bytes), so a million
/// items export in bounded memory. `plan` then decides duplicates, contradictions and the splits.
public final class ExportPipeline {
    public let project: Project
    public let settings: ExportSettings
    public let policy: ExportPolicy
    public let renderer: ExportRenderer
    private let counter: (any TokenCounter)?
    /// One counter per worker (its caches are not shared); nil entries when tokens are not counted.
    private var counters: [(any TokenCounter)?] = []

    var candidates: [Candidate] = []
    var excluded: [ExportPlan.Exclusion] = []
    /// Chat-format errors by item: any one of them stops the export.
    public private(set) var errors: [(itemID: Int64, issue: ValidationIssue)] = []
    public private(set) var errorCount = 0
    public private(set) var items = 0
    /// Items held out by earlier exports, whatever becomes of them in this one.
    private var storedHoldout = 0
    private var strata = Interner<String>()
    private var balances = Interner<[String]>()
    private var authorLists = Interner<[AuthorShare]>()
    /// What the target could not carry, each with the items it was dropped from.
    public private(set) var dropped: [(what: String, items: [Int64])] = []
    private let converter: TargetConverter

    struct AuthorShare: Hashable {
        var name: String
        var share: Double
    }

    /// What the plan keeps of a record: keys, split inputs, and where its text is. Laid out without padding, the
    /// optional keys as flags beside plain words: 80 bytes rather than 96, for each of a million records.
    struct Candidate {
        var itemID: Int64
        var externalID: String?
        var offset: Int64
        var whole: Key64
        private var promptKey: UInt64
        private var answerKey: UInt64
        var stratum: Int32
        var balance: Int32
        var authors: Int32
        var tokens: Int32
        var length: Int32
        private var flags: UInt8
        /// The targets whose line rules the record meets, one bit each (`ExportTarget.allCases` order).
        var validFor: UInt16

        init(itemID: Int64, externalID: String?, keys: Keys, stratum: Int32, balance: Int32, authors: Int32, tokens: Int32,
             heldOut: Bool, offset: Int64, length: Int32, validFor: UInt16) {
            self.itemID = itemID
            self.validFor = validFor
            self.externalID = externalID
            self.offset = offset
            whole = keys.whole
            promptKey = keys.prompt?.value ?? 0
            answerKey = keys.answer?.value ?? 0
            self.stratum = stratum
            self.balance = balance
            self.authors = authors
            self.tokens = tokens
            self.length = length
            flags = (heldOut ? 1 : 0) | (keys.prompt != nil ? 2 : 0) | (keys.answer != nil ? 4 : 0)
        }

        var heldOut: Bool { flags & 1 != 0 }
        var prompt: Key64? { flags & 2 != 0 ? Key64(value: promptKey) : nil }
        var answer: Key64? { flags & 4 != 0 ? Key64(value: answerKey) : nil }
    }

    /// `counter` counts tokens for fine-tuning formats (nil: no token figures). `expectedItems`, the project's
    /// item count, makes room for the records at once (growing a million of them doubles, then copies).
    public init(project: Project, settings: ExportSettings, counter: (any TokenCounter)?, expectedItems: Int = 0) {
        candidates.reserveCapacity(expectedItems)
        self.project = project
        self.settings = settings
        policy = ExportPolicy(project: project, consensus: settings.consensus)
        renderer = ExportRenderer(project: project, format: settings.format)
        converter = TargetConverter(target: settings.target)
        self.counter = settings.format.isFineTuningJSONL ? counter : nil
    }

    enum Outcome {
        case excluded(ExclusionReason, String)
        case record(text: Line, keys: Keys, stratum: String, balance: [String], authors: [AuthorShare], tokens: Int32, issues: [ValidationIssue],
                    dropped: [String], validFor: UInt16)
    }

    /// A record's text: as rendered, or as a converted line's bytes (made a String only to be written out again,
    /// it was checked as UTF-8 for nothing: a thirtieth of a converted export).
    enum Line {
        case text(String)
        case bytes([UInt8])

        func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            switch self {
            case .text(var text): return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
            case .bytes(let bytes): return try bytes.withUnsafeBytes(body)
            }
        }
    }

    /// A record's keys, hashed where it was worked out.
    struct Keys {
        var whole: Key64
        var prompt: Key64?
        var answer: Key64?

        init(_ keys: ConversationKeys) {
            whole = Key64(keys.whole)
            prompt = keys.answer == nil ? nil : Key64(keys.prompt)
            answer = keys.answer.map(Key64.init)
        }
    }

    /// A batch worked out (`work`), waiting to be added in order (`add`).
    public struct WorkedBatch {
        let items: [StoredItem]
        let outcomes: [Outcome]
    }

    private func outcome(_ source: StoredItem, counter: inout (any TokenCounter)?) -> Outcome {
        let (input, resolution) = policy.resolve(source)
        switch resolution {
        case .excluded(let reason, let detail):
            return .excluded(reason, detail)
        case .resolved(let answer, let authors):
            // A chat item people corrected from a model's draft: the preference pair sets their answer over the
            // draft (the model's own words), not over the conversation as imported.
            var input = input
            if project.kind == .watch, let correction = source.draft.flatMap({ try? JSONParser.parse($0) }), case .object(var members) = input {
                members.append((key: "correction", value: correction))
                input = .object(members)
            } else if settings.format == .dpo, let draft = source.draft.flatMap({ try? JSONParser.parse($0) }), case .object(var members) = input,
               let i = members.firstIndex(where: { $0.key == "messages" }) {
                members[i].value = draft
                input = .object(members)
            }
            switch renderer.record(input: input, answer: answer, storedLine: resolution.isUnchangedConversation ? source.input : nil) {
            case .failure(let reason):
                return .excluded(reason, reason == .noPreferencePair ? "the final assistant answer was not corrected" : "")
            case .success(let record):
                var issues: [ValidationIssue] = []
                var tokens: Int32 = 0
                var text = Line.text(record.text)
                var dropped: [String] = []
                var validFor: UInt16 = 0
                if let example = record.example {
                    // The target's line: converted from OpenAI's shape, checked by the target's rules, and by every
                    // other target's, so the report can say who else takes the file as it is.
                    let preference = settings.format == .dpo
                    var line = example, converted = false
                    if settings.target != .openai {
                        switch converter.convert(example, preference: preference) {
                        case .failure(let refusal): return .excluded(.notForTarget, refusal.reason)
                        case .success(let target):
                            if target.line != example {
                                line = target.line
                                var bytes: [UInt8] = []
                                bytes.reserveCapacity(256)
                                line.write(to: &bytes)
                                text = .bytes(bytes)
                                converted = true
                            }
                            dropped = target.dropped
                        }
                    }
                    let openAI = ChatFormatValidator.check(example, preference: preference, line: 0).filter { $0.severity == .error }
                    issues = openAI
                    // OpenAI's rules on the target's line, for the targets whose rules start from them: the findings
                    // just made when the converter left the line as it was, else made once here.
                    var lineOpenAI: [ValidationIssue]? = converted ? nil : openAI
                    for (bit, target) in ExportTarget.allCases.enumerated() where TargetRules.hasShape(line, of: target) {
                        if lineOpenAI == nil, target.startsFromOpenAIRules {
                            lineOpenAI = ChatFormatValidator.check(line, preference: preference, line: 0, stopAtForeignKeys: true)
                        }
                        if TargetRules.passes(line, target: target, openAI: lineOpenAI, preference: preference) {
                            validFor |= 1 << bit
                        } else if target == settings.target, openAI.isEmpty,
                                  let refusal = TargetRules.check(line, target: target, at: 0, openAI: lineOpenAI, preference: preference,
                                                                  firstErrorOnly: true).first(where: { $0.severity == .error }) {
                            // A line fit for OpenAI that the target's own rules refuse (Mistral's last turn, say) is left
                            // out with the reason; a line broken for OpenAI stops the export, as it always has.
                            return .excluded(.notForTarget, (refusal.field.map { $0 + ": " } ?? "") + refusal.message)
                        }
                    }
                    // Counted through the optional in place: a copy of the counter (its caches) per record cost 1%.
                    if preference {
                        let messages = (example["input"]?["messages"]?.arrayValue ?? []) + (example["preferred_output"]?.arrayValue ?? [])
                        tokens = Int32(clamping: (counter?.count(messages: messages) ?? 0) + (counter?.count(tools: example["input"]?["tools"]?.arrayValue ?? []) ?? 0))
                    } else {
                        tokens = Int32(clamping: counter?.count(example: example) ?? 0)
                    }
                } else if case .spans(let spans) = answer {
                    issues = Self.spanProblems(spans, text: input["text"]?.stringValue ?? "")
                }
                return .record(text: text, keys: Keys(record.keys), stratum: record.stratum, balance: record.balance,
                               authors: authors.map { AuthorShare(name: $0.name, share: $0.share) }, tokens: tokens, issues: issues,
                               dropped: dropped, validFor: validFor)
            }
        }
    }

    /// A span whose text is not `text[start:end]` would train a model on the wrong entity.
    static func spanProblems(_ spans: [Span], text: String) -> [ValidationIssue] {
        let codePoints = CodePointText(text)
        return spans.enumerated().compactMap { i, span in
            codePoints.slice(span.start, span.end) == span.text ? nil
                : ValidationIssue(.error, line: 0, field: "spans[\(i)]", code: "span_text",
                                  "span [\(span.start), \(span.end)) is not \"\(span.text)\" in the item's text")
        }
    }

    /// Works a batch out on `workers` threads: resolves, renders, checks and counts each item. It touches only the
    /// workers' own state, so it may run on one thread while `add` runs on another.
    public func work(_ batch: [StoredItem], workers: Int) -> WorkedBatch {
        WorkedBatch(items: batch, outcomes: ParallelBatch.map(batch, workers: workers, states: &counters, initial: counter) {
            outcome($0, counter: &$1)
        })
    }

    /// Takes a worked batch in item order, passing each record's text to `keep`, which stores it and says where
    /// (offset and length) so the second pass can read it back.
    public func add(_ worked: WorkedBatch, keep: (UnsafeRawBufferPointer) throws -> (offset: Int64, length: Int32)) rethrows {
        for (source, outcome) in zip(worked.items, worked.outcomes) {
            items += 1
            if source.heldOut { storedHoldout += 1 }
            switch outcome {
            case .excluded(let reason, let detail):
                excluded.append(.init(itemID: source.itemID, externalID: source.externalID, reason: reason, detail: detail))
            case .record(let text, let keys, let stratum, let balance, let authors, let tokens, let issues, let dropped, let validFor):
                for what in dropped {
                    if let i = self.dropped.firstIndex(where: { $0.what == what }) { self.dropped[i].items.append(source.itemID) }
                    else { self.dropped.append((what, [source.itemID])) }
                }
                for issue in issues {
                    errorCount += 1
                    if errors.count < 50 { errors.append((source.itemID, issue)) }
                }
                let place = try text.withBytes(keep)
                candidates.append(Candidate(
                    itemID: source.itemID, externalID: source.externalID, keys: keys,
                    stratum: strata.index(stratum), balance: balances.index(balance),
                    authors: authorLists.index(authors), tokens: tokens, heldOut: source.heldOut,
                    offset: place.offset, length: place.length, validFor: validFor))
            }
        }
    }

    /// Decides which records go where, once every item has been added.
    public func plan() -> ExportPlan {
        ExportPlan(pipeline: self, storedHoldout: storedHoldout, balances: balances.values,
                   authors: authorLists.values.map { $0.map { ($0.name, $0.share) } })
    }
}
