/// Decides what each item's answer is, one policy for the CLI and the web: a gold answer if there is one; else
/// the answer enough submitted answers agree on (and at least `annotatorsPerItem` answers); rejected items out.
public struct ExportPolicy: Sendable {
    /// Who an unchanged imported conversation is credited to: nobody on the team wrote it.
    public static let importedAuthor = "(imported, unchanged)"

    public let project: Project
    public let consensus: ConsensusRule

    public init(project: Project, consensus: ConsensusRule) {
        self.project = project
        self.consensus = consensus
    }

    public enum Resolution: Sendable {
        /// The answer, and who wrote it: each author's share of this one answer (shares add up to 1).
        case resolved(Answer, authors: [(name: String, share: Double)])

        /// A conversation kept as it was imported, which the export can write as the stored line itself.
        public var isUnchangedConversation: Bool {
            if case .resolved(_, let authors) = self { return authors.first?.name == ExportPolicy.importedAuthor }
            return false
        }
        case excluded(ExclusionReason, detail: String)
    }

    public func resolve(input: JSONValue, answers: [SubmittedAnswer], gold: GoldAnswer?) -> Resolution {
        let given = answers.map { Answer.of($0, project: project, input: input) }
        if let gold {
            if gold.answer == .rejected { return .excluded(.rejected, detail: "gold answer: rejected") }
            let key = gold.answer.agreementKey
            let writers = zip(answers, given).filter { $0.1.agreementKey == key }.map(\.0.annotator)
            return .resolved(gold.answer, authors: authors(of: gold.answer, input: input, writers: writers.isEmpty ? [gold.decidedBy ?? "(lead)"] : writers))
        }
        guard answers.count >= project.annotatorsPerItem, !answers.isEmpty else {
            return .excluded(.notEnoughAnswers, detail: "\(answers.count) of \(counted(project.annotatorsPerItem, "answer")) submitted")
        }
        // Groups of equal answers, largest first; the earliest answer stands for its group. Answers equal as they
        // are (the common case) need no folded keys.
        var groups: [(key: [UInt8], first: Int, members: [Int])] = []
        if given.dropFirst().allSatisfy({ $0 == given[0] }) {
            groups = [([], 0, Array(given.indices))]
        } else {
            for (i, answer) in given.enumerated() {
                let key = answer.agreementKey
                if let g = groups.firstIndex(where: { $0.key == key }) { groups[g].members.append(i) }
                else { groups.append((key, i, [i])) }
            }
            groups.sort { ($0.members.count, -$0.first) > ($1.members.count, -$1.first) }
        }
        let top = groups[0]
        guard consensus.isMet(top: top.members.count, runnerUp: groups.count > 1 ? groups[1].members.count : 0, answers: answers.count) else {
            return .excluded(.noConsensus, detail: "\(top.members.count) of \(counted(answers.count, "answer")) agree (consensus: \(consensus))")
        }
        let answer = given[top.first]
        if answer == .rejected { return .excluded(.rejected, detail: "\(top.members.count) of \(answers.count) annotators rejected it") }
        return .resolved(answer, authors: authors(of: answer, input: input, writers: top.members.map { answers[$0].annotator }))
    }

    /// A stored item's input, parsed, and its resolution.
    public func resolve(_ item: StoredItem) -> (input: JSONValue, resolution: Resolution) {
        let input = (try? JSONParser.parse(item.input)) ?? .object([])
        let gold = item.gold.flatMap { stored -> GoldAnswer? in
            guard let json = try? JSONParser.parse(stored.resolution) else { return nil }
            let answer = StoredItem.StoredAnswer(annotator: stored.decidedBy ?? "", decision: json["decision"]?.stringValue,
                                                 labels: json["labels"]?.jsonText, spans: json["spans"]?.jsonText,
                                                 messages: json["messages"]?.jsonText).submitted
            return GoldAnswer(answer: Answer.of(answer, project: project, input: input),
                              source: GoldAnswer.Source(rawValue: stored.source) ?? .lead, decidedBy: stored.decidedBy)
        }
        return (input, resolve(input: input, answers: item.answers.map(\.submitted), gold: gold))
    }

    /// The writers share the answer equally, except a conversation left as it was imported, which none of them wrote.
    private func authors(of answer: Answer, input: JSONValue, writers: [String]) -> [(name: String, share: Double)] {
        if case .conversation(let messages) = answer, messages == input["messages"]?.arrayValue ?? [] {
            return [(Self.importedAuthor, 1)]
        }
        return writers.map { ($0, 1 / Double(writers.count)) }
    }
}
