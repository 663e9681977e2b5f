/// Counts tokens: exactly with o200k_base when its ranks are at hand, else an estimate that says so.
public protocol TokenCounter {
    /// True when counts equal the API's; false for an estimate.
    var isExact: Bool { get }
    mutating func count(_ text: String) -> Int
}

extension TokenCounter {
    /// Tokens of one chat example as fine-tuning bills them: 3 per message, the tokens of each string
    /// value (+1 for a `name`), and 3 for the reply's priming. Content parts count by their text; an assistant's
    /// tool calls count their function name and arguments with 3 tokens each around them (an estimate: the
    /// rendering of calls is not published).
    public mutating func count(messages: [JSONValue]) -> Int {
        var total = 3
        for message in messages {
            total += 3
            for member in message.objectValue ?? [] {
                switch member.value {
                case .string(let value):
                    total += count(value)
                    if member.key == "name" { total += 1 }
                case .array where member.key == "content":
                    total += count(message.contentText)
                case .array(let calls) where member.key == "tool_calls":
                    for call in calls {
                        total += 3 + count(call["function"]?["name"]?.stringValue ?? "") + count(call["function"]?["arguments"]?.stringValue ?? "")
                    }
                default:
                    continue
                }
            }
        }
        return total
    }

    /// Tokens of an example's `tools`, as OpenAI's token-counting guide renders function definitions for gpt-4o
    /// and gpt-4o-mini ("How to count tokens with tiktoken", section 7): 7 per function and the tokens of
    /// `name:description`, 3 for the properties and 3 per property with `key:type:description`, an enum -3 and
    /// 3 per value with its tokens, and 12 at the end. An estimate: the guide's own word for it.
    public mutating func count(tools: [JSONValue]) -> Int {
        guard !tools.isEmpty else { return 0 }
        var total = 12
        for tool in tools {
            let function = tool["function"] ?? tool
            total += 7 + count("\(function["name"]?.stringValue ?? ""):\(Self.withoutFinalPeriod(function["description"]?.stringValue ?? ""))")
            let properties = function["parameters"]?["properties"]?.objectValue ?? []
            guard !properties.isEmpty else { continue }
            total += 3
            for (key, property) in properties {
                total += 3
                if let values = property["enum"]?.arrayValue {
                    total -= 3
                    for value in values { total += 3 + count(value.stringValue ?? value.jsonText) }
                }
                let type = property["type"]?.stringValue ?? property["type"]?.jsonText ?? ""
                total += count("\(key):\(type):\(Self.withoutFinalPeriod(property["description"]?.stringValue ?? ""))")
            }
        }
        return total
    }

    /// Tokens of a whole example: its messages and the tool definitions sent with it.
    public mutating func count(example: JSONValue) -> Int {
        count(messages: example["messages"]?.arrayValue ?? []) + count(tools: example["tools"]?.arrayValue ?? [])
    }

    static func withoutFinalPeriod(_ text: String) -> String { text.hasSuffix(".") ? String(text.dropLast()) : text }
}

/// o200k_base (gpt-4o, gpt-4o-mini, gpt-4.1): byte-pair encoding over the pieces `O200kPreTokenizer` cuts.
public struct O200kTokenCounter: TokenCounter {
    public let ranks: BPERanks
    /// Counts of pieces seen before: up to 15 bytes by their packed bytes, longer ones by their bytes.
    private var shortCache = PieceCounts()
    private var longCache: [[UInt8]: Int32] = [:]
    // Buffers kept between calls (grown, never shrunk) so that counting allocates nothing in the common case.
    private var scalars: [Unicode.Scalar] = []
    private var classes: [O200kPreTokenizer.Class] = []
    private var offsets: [Int] = []
    /// Classes of the scalars below U+20000 (every script and the emoji), looked up once each (Unicode's
    /// property tables are slow to ask); `unknown` until then. ASCII's are filled in from the start.
    private var knownClasses: [UInt8]
    private static let unknown: UInt8 = 0xFF
    public var isExact: Bool { true }

    public init(ranks: BPERanks) {
        self.ranks = ranks
        knownClasses = (0..<0x20000).map { $0 < 0x80 ? O200kPreTokenizer.classify(Unicode.Scalar(UInt8($0))).rawValue : Self.unknown }
    }

    public mutating func count(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { count(utf8: $0) }
    }

    private mutating func count(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if scalars.count <= bytes.count {
            scalars = Array(repeating: "\0", count: bytes.count * 2 + 16)
            classes = Array(repeating: [], count: scalars.count)
            offsets = Array(repeating: 0, count: scalars.count)
        }
        // Decoded into the buffers through pointers: array subscripts cost a uniqueness check per scalar per buffer.
        let n = self.scalars.withUnsafeMutableBufferPointer { scalars in
            self.classes.withUnsafeMutableBufferPointer { classes in
                self.offsets.withUnsafeMutableBufferPointer { offsets in
                    knownClasses.withUnsafeMutableBufferPointer { known in
                        var n = 0
                        var i = 0
                        while i < bytes.count {
                            let b = bytes[i]
                            offsets[n] = i
                            if b < 0x80 {
                                scalars[n] = Unicode.Scalar(b)
                                classes[n] = O200kPreTokenizer.Class(rawValue: known[Int(b)])
                                n += 1
                                i += 1
                                continue
                            }
                            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                            var value = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                            for k in 1..<length where i + k < bytes.count { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
                            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                            scalars[n] = scalar
                            if scalar.value < UInt32(known.count) {
                                if known[Int(scalar.value)] == Self.unknown { known[Int(scalar.value)] = O200kPreTokenizer.classify(scalar).rawValue }
                                classes[n] = O200kPreTokenizer.Class(rawValue: known[Int(scalar.value)])
                            } else {
                                classes[n] = O200kPreTokenizer.classify(scalar)
                            }
                            n += 1
                            i += length
                        }
                        offsets[n] = bytes.count
                        return n
                    }
                }
            }
        }
        var total = 0
        // Local copies (no copying: nothing writes them meanwhile) so the pieces may update the caches on `self`.
        let (scalars, classes, offsets) = (self.scalars, self.classes, self.offsets)
        scalars.withUnsafeBufferPointer { s in
            classes.withUnsafeBufferPointer { c in
                O200kPreTokenizer.split(UnsafeBufferPointer(rebasing: s[..<n]), classes: UnsafeBufferPointer(rebasing: c[..<n])) { range in
                    let piece = UnsafeBufferPointer(rebasing: bytes[offsets[range.lowerBound]..<offsets[range.upperBound]])
                    total += pieceCount(piece)
                }
            }
        }
        return total
    }

    private mutating func pieceCount(_ piece: UnsafeBufferPointer<UInt8>) -> Int {
        if piece.count <= 15 {
            let key = PieceCounts.key(piece)
            if let cached = shortCache.count(key) { return Int(cached) }
            let n = Self.mergeCount(Array(piece), ranks)
            shortCache.set(key, Int32(n))
            return n
        }
        let array = Array(piece)
        if let cached = longCache[array] { return Int(cached) }
        let n = Self.mergeCount(array, ranks)
        if longCache.count > 200_000 { longCache.removeAll(keepingCapacity: true) }
        longCache[array] = Int32(n)
        return n
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
