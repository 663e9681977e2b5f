/// Counts tokens: exactly with o200k_base when its ranks are at hand, else an estimate that says so.
public protocol TokenCounter {
    /// True when counts equal the API's; false for an estimate.
    var isExact: Bool { get }
    mutating func count(_ text: String) -> Int
}

extension TokenCounter {
    /// Tokens of one chat example as fine-tuning bills them: 3 per message, the tokens of each string
    /// value (+1 for a `name`), and 3 for the reply's priming.
    public mutating func count(messages: [JSONValue]) -> Int {
        var total = 3
        for message in messages {
            total += 3
            for member in message.objectValue ?? [] {
                guard case .string(let value) = member.value else { continue }
                total += count(value)
                if member.key == "name" { total += 1 }
            }
        }
        return total
    }
}

/// o200k_base (gpt-4o, gpt-4o-mini, gpt-4.1): byte-pair encoding over the pieces `O200kPreTokenizer` cuts.
public struct O200kTokenCounter: TokenCounter {
    public let ranks: BPERanks
    private var cache: [String: Int] = [:]
    public var isExact: Bool { true }

    public init(ranks: BPERanks) { self.ranks = ranks }

    public mutating func count(_ text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        var total = 0
        var bytes: [UInt8] = []
        O200kPreTokenizer.split(scalars) { range in
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[range])
            let key = String(piece)
            if let cached = cache[key] {
                total += cached
                return
            }
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: key.utf8)
            let n = Self.mergeCount(bytes, ranks)
            if cache.count > 200_000 { cache.removeAll(keepingCapacity: true) }
            cache[key] = n
            total += n
        }
        return total
    }

    /// The number of tokens BPE makes of `piece` (tiktoken's `_byte_pair_merge`).
    static func mergeCount(_ piece: [UInt8], _ ranks: BPERanks) -> Int {
        if piece.count == 1 || ranks.rank(piece[...]) != nil { return 1 }
        // starts[i] is where part i begins; pairRank[i] the rank of parts i and i+1 merged.
        var starts = Array(0...piece.count)
        func pairRank(_ i: Int) -> UInt32 {
            guard i + 2 < starts.count else { return .max }
            return ranks.rank(piece[starts[i]..<starts[i + 2]]) ?? .max
        }
        var rankOf = (0..<starts.count).map { pairRank($0) }
        while starts.count > 2 {
            var best = UInt32.max, at = -1
            for i in 0..<(starts.count - 2) where rankOf[i] < best {
                best = rankOf[i]
                at = i
            }
            if at < 0 { break }
            starts.remove(at: at + 1)
            rankOf.remove(at: at + 1)
            rankOf[at] = pairRank(at)
            if at > 0 { rankOf[at - 1] = pairRank(at - 1) }
        }
        return starts.count - 1
    }
}

/// Without the ranks file: about 4 bytes a token, which every report calls an estimate.
public struct EstimatedTokenCounter: TokenCounter {
    public init() {}
    public var isExact: Bool { false }
    public func count(_ text: String) -> Int { (text.utf8.count + 3) / 4 }
}
