import QuorumCore

/// Puts a project's items together with their submitted answers, both read as streams in item order (two queries,
/// no join of every answer onto its item's input), in batches: the SQLite and the PostgreSQL stores read their
/// rows their own way and share this.
struct StoredItemStream {
    /// An item's columns, gold's included (the items query joins gold).
    struct ItemColumns {
        var id: Int64
        var externalID: String?
        var input: String?
        var split: String?
        var goldResolution: String?
        var goldSource: String?
        var goldDecidedBy: Int64?
        var draft: String?
    }

    /// An answer's columns and its annotator's id, named through `UserNames`.
    struct AnswerColumns {
        var itemID: Int64
        var answerID: Int64
        var annotator: Int64
        var decision: String?
        var labels: String?
        var spans: String?
        var messages: String?
    }

    /// User names by id (ids are small and dense: an array, where a dictionary would hash an id per answer).
    struct UserNames {
        private var names: [String?] = []

        mutating func add(id: Int64, name: String) {
            guard id >= 0, id < 1 << 24 else { return }
            if Int(id) >= names.count { names += [String?](repeating: nil, count: Int(id) + 1 - names.count) }
            names[Int(id)] = name
        }

        func name(_ id: Int64) -> String? { id >= 0 && id < names.count ? names[Int(id)] : nil }
    }

    let names: UserNames
    let batchSize: Int

    func forEach(items nextItem: () throws -> ItemColumns?, answers nextAnswer: () throws -> AnswerColumns?,
                 _ body: ([StoredItem]) throws -> Void) throws {
        var pending = try nextAnswer()
        var batch: [StoredItem] = []
        batch.reserveCapacity(batchSize)
        while let item = try nextItem() {
            var given: [StoredItem.StoredAnswer] = []
            var answerIDs: [Int64] = []
            given.reserveCapacity(4)
            answerIDs.reserveCapacity(4)
            while let answer = pending, answer.itemID <= item.id {
                if answer.itemID == item.id {
                    given.append(StoredItem.StoredAnswer(annotator: names.name(answer.annotator) ?? "user \(answer.annotator)", decision: answer.decision,
                                                         labels: answer.labels, spans: answer.spans, messages: answer.messages))
                    answerIDs.append(answer.answerID)
                }
                pending = try nextAnswer()
            }
            // Oldest answer first: ties in a consensus go to the earliest.
            if zip(answerIDs, answerIDs.dropFirst()).contains(where: { $0 > $1 }) {
                given = answerIDs.indices.sorted { answerIDs[$0] < answerIDs[$1] }.map { given[$0] }
            }
            let gold = item.goldResolution.map {
                StoredItem.StoredGold(resolution: $0, source: item.goldSource ?? "", decidedBy: item.goldDecidedBy.flatMap(names.name))
            }
            batch.append(StoredItem(itemID: item.id, externalID: item.externalID, input: item.input ?? "{}", heldOut: item.split == "holdout",
                                    answers: given, gold: gold, draft: item.draft))
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}
