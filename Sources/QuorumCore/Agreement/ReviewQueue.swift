/// The items a lead should look at, most disagreement first: answered by at least two people who did not all
/// give the same answer, and without a gold answer yet.
public struct ReviewQueue {
    public struct Entry: Sendable {
        public var itemID: Int64
        public var externalID: String?
        public var answers: Int
        /// The size of the largest group of equal answers.
        public var agreeing: Int
        /// 1 − agreeing/answers: 0 when all agree.
        public var disagreement: Double { 1 - Double(agreeing) / Double(answers) }
    }

    public let entries: [Entry]

    public init(project: Project, items: [StoredItem]) {
        var entries: [Entry] = []
        for item in items where item.gold == nil && item.answers.count >= 2 {
            let input = project.kind == .classify ? JSONValue.object([]) : ((try? JSONParser.parse(item.input)) ?? .object([]))
            var groups: [[UInt8]: Int] = [:]
            for answer in item.answers { groups[Answer.of(answer.submitted, project: project, input: input).agreementKey, default: 0] += 1 }
            guard groups.count > 1 else { continue }
            entries.append(Entry(itemID: item.itemID, externalID: item.externalID, answers: item.answers.count, agreeing: groups.values.max() ?? 0))
        }
        self.entries = entries.sorted { ($0.disagreement, -$0.itemID) > ($1.disagreement, -$1.itemID) }
    }

    public var json: JSONValue {
        .array(entries.map {
            ["item_id": .number(String($0.itemID)), "external_id": $0.externalID.map { .string($0) } ?? .null,
             "answers": .int($0.answers), "agreeing": .int($0.agreeing), "disagreement": .double(($0.disagreement * 1000).rounded() / 1000)]
        })
    }

    /// Items without gold whose answers agree under `rule` (and number at least the project's annotators per item):
    /// the answers that become gold by themselves, with `unanimous` or `majority` as their source.
    public static func agreedAnswers(project: Project, items: [StoredItem], rule: ConsensusRule) -> [(itemID: Int64, answer: Answer, source: GoldAnswer.Source)] {
        let policy = ExportPolicy(project: project, consensus: rule)
        let unanimous = ExportPolicy(project: project, consensus: .all)
        return items.compactMap { item in
            guard item.gold == nil, item.answers.count >= max(2, project.annotatorsPerItem) else { return nil }
            let input = (try? JSONParser.parse(item.input)) ?? .object([])
            let answers = item.answers.map(\.submitted)
            guard case .resolved(let answer, _) = policy.resolve(input: input, answers: answers, gold: nil) else { return nil }
            if case .resolved = unanimous.resolve(input: input, answers: answers, gold: nil) { return (item.itemID, answer, .unanimous) }
            return (item.itemID, answer, .majority)
        }
    }
}
