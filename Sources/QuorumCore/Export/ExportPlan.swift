/// Where every record goes: duplicates kept once, contradictions left out (unless kept), the hold-out set kept
/// apart for good and topped up to its size, the rest split into train and validation (stratified by label), and
/// each file in an order shuffled by the seed, so the same data and settings always give the same bytes.
public struct ExportPlan {
    public struct Exclusion: Sendable {
        public var itemID: Int64
        public var externalID: String?
        public var reason: ExclusionReason
        public var detail: String
    }

    /// A record's place in the first pass's store.
    public struct Place: Sendable {
        public var itemID: Int64
        public var offset: Int64
        public var length: Int32
    }

    public enum Split: String, CaseIterable, Sendable { case train, validation, holdout }

    public let settings: ExportSettings
    public let items: Int
    public private(set) var files: [Split: [Place]] = [:]
    public private(set) var excluded: [Exclusion]
    /// Removed duplicates: the item kept and the items removed as its copies.
    public private(set) var duplicates: [(kept: Int64, removed: [Int64])] = []
    /// Items with the same prompt and different answers.
    public private(set) var contradictions: [[Place]] = []
    /// Items drawn into the hold-out set by this export, to be stored as held out.
    public private(set) var newlyHeldOut: [Int64] = []
    /// How many items were held out when the export read them: the draw above assumes that set, so an export that
    /// finds more held out when it records (another export drew meanwhile) must not keep its own draw.
    public let heldOutBefore: Int
    /// Counts per label (or entity type) in each file.
    public private(set) var balance: [(label: String, counts: [Split: Int])] = []
    /// Each author's share of the exported answers, largest first.
    public private(set) var authors: [(name: String, answers: Double)] = []
    public private(set) var exported = 0
    /// Per file, the targets whose line rules every one of its records meets (bits in `ExportTarget.allCases`
    /// order); the file's own rules (count, size, byte-order mark) are `TargetValidation.fileProblems`'.
    public private(set) var linesValidFor: [Split: UInt16] = [:]
    /// What the target could not carry, with the items it was dropped from (the pipeline's).
    public let dropped: [(what: String, items: [Int64])]
    /// The token counts of the train file's examples (empty when not counted).
    public private(set) var trainTokens: [Int32] = []

    init(pipeline: ExportPipeline, storedHoldout: Int, balances: [[String]], authors authorLists: [[(String, Double)]]) {
        settings = pipeline.settings
        items = pipeline.items
        dropped = pipeline.dropped
        excluded = pipeline.excluded
        heldOutBefore = storedHoldout
        let candidates = pipeline.candidates
        var removed = [Bool](repeating: false, count: candidates.count)
        let seed = settings.seed

        // Exact duplicates: one kept (the held-out one if any, so no copy of it trains), the rest listed.
        for members in RadixSort.groups(of: candidates.map(\.whole.value)) {
            let kept = members.first { candidates[$0].heldOut } ?? members[0]
            let others = members.filter { $0 != kept }
            for i in others {
                removed[i] = true
                excluded.append(Exclusion(itemID: candidates[i].itemID, externalID: candidates[i].externalID, reason: .duplicate,
                                          detail: "same as item \(candidates[kept].itemID)"))
            }
            duplicates.append((candidates[kept].itemID, others.map { candidates[$0].itemID }))
        }
        duplicates.sort { $0.kept < $1.kept }

        // Contradictions: the same prompt with different answers.
        let withPrompt = candidates.indices.filter { !removed[$0] && candidates[$0].prompt != nil }
        for group in ConversationKeys.contradictions(prompts: withPrompt.map { candidates[$0].prompt!.value },
                                                     answers: withPrompt.map { candidates[$0].answer?.value ?? 0 }) {
            let members = group.map { withPrompt[$0] }
            contradictions.append(members.map { Place(itemID: candidates[$0].itemID, offset: candidates[$0].offset, length: candidates[$0].length) })
            guard !settings.keepContradictions else { continue }
            for i in members {
                removed[i] = true
                let others = members.filter { $0 != i }.map { String(candidates[$0].itemID) }.joined(separator: ", ")
                excluded.append(Exclusion(itemID: candidates[i].itemID, externalID: candidates[i].externalID, reason: .contradiction,
                                          detail: "same prompt as item \(others), different answer"))
            }
        }
        contradictions.sort { $0[0].itemID < $1[0].itemID }
        excluded.sort { $0.itemID < $1.itemID }

        // The hold-out set: what earlier exports drew stays; topped up to the size asked, never shrunk.
        var split = [Split?](repeating: nil, count: candidates.count)
        for (i, c) in candidates.enumerated() where !removed[i] && c.heldOut { split[i] = .holdout }
        let wanted = max(0, settings.holdout - storedHoldout)
        if wanted > 0 {
            let open = candidates.indices.filter { !removed[$0] && split[$0] == nil }
            for i in Self.shuffled(open, ids: { candidates[$0].itemID }, seed: seed, purpose: 1).prefix(wanted) {
                split[i] = .holdout
                newlyHeldOut.append(candidates[i].itemID)
            }
            newlyHeldOut.sort()
        }

        // Validation: the same share of every stratum (label set), chosen by the seed.
        var strataMembers: [Int32: [Int]] = [:]
        for (i, c) in candidates.enumerated() where !removed[i] && split[i] == nil { strataMembers[c.stratum, default: []].append(i) }
        for members in strataMembers.values {
            let shuffled = Self.shuffled(members, ids: { candidates[$0].itemID }, seed: seed, purpose: 2)
            let count = Int((Double(members.count) * settings.validationFraction).rounded())
            for (n, i) in shuffled.enumerated() { split[i] = n < count ? .validation : .train }
        }

        // Records are counted by their (interned) label set and author list first, then those are spelled out:
        // a million records, a handful of distinct lists.
        var places: [[Place]] = Array(repeating: [], count: Split.allCases.count)
        var balanceCounts = [[Int]](repeating: Array(repeating: 0, count: Split.allCases.count), count: balances.count)
        var authorCounts = [Int](repeating: 0, count: authorLists.count)
        for (i, c) in candidates.enumerated() {
            guard let s = split[i] else { continue }
            let file = Split.allCases.firstIndex(of: s)!
            places[file].append(Place(itemID: c.itemID, offset: c.offset, length: c.length))
            linesValidFor[s] = (linesValidFor[s] ?? UInt16.max) & c.validFor
            balanceCounts[Int(c.balance)][file] += 1
            authorCounts[Int(c.authors)] += 1
            if s == .train, settings.format.isFineTuningJSONL { trainTokens.append(c.tokens) }
            exported += 1
        }
        var labelCounts: [String: [Split: Int]] = [:]
        for (labels, counts) in zip(balances, balanceCounts) {
            for label in labels {
                for (file, count) in counts.enumerated() where count > 0 { labelCounts[label, default: [:]][Split.allCases[file], default: 0] += count }
            }
        }
        var authorTotals: [String: Double] = [:]
        for (list, count) in zip(authorLists, authorCounts) where count > 0 {
            for (name, share) in list { authorTotals[name, default: 0] += share * Double(count) }
        }
        for (file, s) in Split.allCases.enumerated() where !places[file].isEmpty {
            let order = Self.shuffled(places[file].indices.map { $0 }, ids: { places[file][$0].itemID }, seed: seed, purpose: 3)
            files[s] = order.map { places[file][$0] }
        }
        let order = pipeline.project.labels
        balance = labelCounts.sorted { a, b in
            let (x, y) = (order.firstIndex(of: a.key) ?? .max, order.firstIndex(of: b.key) ?? .max)
            return x != y ? x < y : a.key < b.key
        }.map { ($0.key, $0.value) }
        authors = authorTotals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A seeded shuffle key: SplitMix64 over the seed, the item and the purpose, the same on every machine.
    static func mix(_ seed: UInt64, _ item: Int64, _ purpose: UInt64) -> UInt64 {
        var z = seed &+ UInt64(bitPattern: item) &* 0x9E37_79B9_7F4A_7C15 &+ purpose &* 0xD1B5_4A32_D192_ED69
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `indices` in the seeded order of their items for one purpose (drawing the hold-out, the validation set,
    /// the file order): by the mixed key, then the item id. Keys are mixed once each, not per comparison.
    static func shuffled(_ indices: [Int], ids: (Int) -> Int64, seed: UInt64, purpose: UInt64) -> [Int] {
        let keys = indices.map { mix(seed, ids($0), purpose) }
        var order = RadixSort.order(of: keys)
        for run in RadixSort.runs(of: keys, in: order) { order[run].sort { ids(indices[Int($0)]) < ids(indices[Int($1)]) } }
        return order.map { indices[Int($0)] }
    }

    /// The exclusions counted by reason, in the order of `ExclusionReason`.
    public var excludedByReason: [(reason: ExclusionReason, count: Int)] {
        var counts: [ExclusionReason: Int] = [:]
        for e in excluded { counts[e.reason, default: 0] += 1 }
        return ExclusionReason.allCases.compactMap { r in counts[r].map { (r, $0) } }
    }
}
