/// The first record seen with each 64-bit key, in an open-addressing table. The keys are hashes already (the
/// start of a SHA-256), so their low bits pick the slot: a `Dictionary` spent most of the plan's time hashing them
/// again, twice per record.
struct FirstIndex {
    private var keys: [UInt64]
    /// The record first seen in each slot; -1 for an empty slot.
    private var firsts: [Int32]
    private let mask: Int

    /// Room for `expected` keys at most half full.
    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        keys = Array(repeating: 0, count: capacity)
        firsts = Array(repeating: -1, count: capacity)
        mask = capacity - 1
    }

    /// Records `index` under `key` when the key is new (nil); else the record first seen with it.
    mutating func insert(_ key: UInt64, _ index: Int32) -> Int32? {
        var i = Int(truncatingIfNeeded: key) & mask
        while firsts[i] >= 0 {
            if keys[i] == key { return firsts[i] }
            i = (i + 1) & mask
        }
        keys[i] = key
        firsts[i] = index
        return nil
    }
}
