/// Token counts of pieces of up to 15 bytes (most words, with their leading space), in an open-addressing table
/// with a multiply-shift hash: the counter asks it for every piece of every message, and `Dictionary`'s SipHash
/// cost more than the rest of the lookup. Cleared when it fills past 60% (it is only a cache).
struct PieceCounts {
    private var lows: [UInt64]
    /// The high word of each key; 0 marks an empty slot (a key's high word holds its length, never 0).
    private var highs: [UInt64]
    private var counts: [Int32]
    private var used = 0
    private let mask: Int

    init(capacity: Int = 1 << 18) {
        lows = Array(repeating: 0, count: capacity)
        highs = Array(repeating: 0, count: capacity)
        counts = Array(repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// The key of a piece of 1 to 15 bytes: its bytes and its length.
    static func key(_ piece: UnsafeBufferPointer<UInt8>) -> (low: UInt64, high: UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(piece)) }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1) | UInt64(piece.count) << 56)
    }

    private func slot(_ low: UInt64, _ high: UInt64) -> Int {
        var h = low &* 0x9E37_79B9_7F4A_7C15 ^ high &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        var i = Int(truncatingIfNeeded: h) & mask
        while highs[i] != 0 && (highs[i] != high || lows[i] != low) { i = (i + 1) & mask }
        return i
    }

    func count(_ key: (low: UInt64, high: UInt64)) -> Int32? {
        let i = slot(key.low, key.high)
        return highs[i] == 0 ? nil : counts[i]
    }

    mutating func set(_ key: (low: UInt64, high: UInt64), _ count: Int32) {
        if used * 10 >= (mask + 1) * 6 {
            for i in highs.indices { highs[i] = 0 }
            used = 0
        }
        let i = slot(key.low, key.high)
        if highs[i] == 0 { used += 1 }
        lows[i] = key.low
        highs[i] = key.high
        counts[i] = count
    }
}
