/// Token counts of pieces of up to 15 bytes (most words, with their leading space), in an open-addressing table
/// with a multiply-shift hash: the counter asks it for every piece of every message, and `Dictionary`'s SipHash
/// cost more than the rest of the lookup. A slot is 16 bytes, the count in the key's spare top bits, so a lookup
/// reads one cache line (three arrays cost three misses: the table is 4 MB). Cleared when it fills past 60%
/// (it is only a cache).
struct PieceCounts {
    private struct Slot {
        var low: UInt64
        /// The key's high word with the count in its top four bits; 0 marks an empty slot (a key's high word
        /// holds its length, never 0).
        var high: UInt64
    }

    private var slots: [Slot]
    private var used = 0
    private let mask: Int
    private static let countShift: UInt64 = 60
    private static let keyBits: UInt64 = 1 << 60 - 1

    init(capacity: Int = 1 << 18) {
        slots = Array(repeating: Slot(low: 0, high: 0), count: capacity)
        mask = capacity - 1
    }

    /// The key of a piece of 1 to 15 bytes: its bytes and its length (bits 56–59; the count takes 60–63).
    static func key(_ piece: UnsafeBufferPointer<UInt8>) -> (low: UInt64, high: UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(piece)) }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1) | UInt64(piece.count) << 56)
    }

    private func slot(_ low: UInt64, _ high: UInt64) -> Int {
        var h = low &* 0x9E37_79B9_7F4A_7C15 ^ high &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        var i = Int(truncatingIfNeeded: h) & mask
        slots.withUnsafeBufferPointer { slots in
            while slots[i].high != 0 && (slots[i].high & Self.keyBits != high || slots[i].low != low) { i = (i + 1) & mask }
        }
        return i
    }

    func count(_ key: (low: UInt64, high: UInt64)) -> Int32? {
        let found = slots[slot(key.low, key.high)]
        return found.high == 0 ? nil : Int32(found.high >> Self.countShift)
    }

    /// `count` is at most 15: a piece of 15 bytes makes at most 15 tokens.
    mutating func set(_ key: (low: UInt64, high: UInt64), _ count: Int32) {
        precondition(count >= 0 && count < 16, "a piece of up to 15 bytes has up to 15 tokens")
        if used * 10 >= (mask + 1) * 6 {
            for i in slots.indices { slots[i].high = 0 }
            used = 0
        }
        let i = slot(key.low, key.high)
        if slots[i].high == 0 { used += 1 }
        slots[i] = Slot(low: key.low, high: key.high | UInt64(count) << Self.countShift)
    }
}
