/// Bytes looked for eight at a time in a 64-bit word, for the loops that scan every byte an export reads or writes
/// (JSON strings, Nova's reserved strings): a byte at a time, those scans were a tenth of a converted export.
enum ByteWords {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes from `base + offset`, the first in the lowest bits.
    @inline(__always) static func load(_ base: UnsafePointer<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
    }

    /// The high bit of each byte equal to `byte`. Only the lowest bit set is sure to be right (a borrow reaches
    /// only bytes above a matching one), which is all a search needs.
    @inline(__always) static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (UInt64(byte) &* ones)
        return (x &- ones) & ~x & highs
    }

    /// The high bit of each byte below `limit` (at most 0x80), with the same proviso.
    @inline(__always) static func below(_ word: UInt64, _ limit: UInt8) -> UInt64 {
        (word &- UInt64(limit) &* ones) & ~word & highs
    }

    /// The bytes a JSON string cannot hold as they are: control characters, `"` and `\`.
    @inline(__always) static func jsonSpecial(_ word: UInt64) -> UInt64 {
        below(word, 0x20) | equal(word, 0x22) | equal(word, 0x5C)
    }

    /// From `start`, the index of the first byte `flags` marks, passing eight unmarked bytes at a time; or of the
    /// first of the last few (fewer than eight), which the caller looks at itself.
    @inline(__always) static func skip(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, unless flags: (UInt64) -> UInt64) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var i = start
        while i + 8 <= bytes.count {
            let found = flags(load(base, i))
            if found != 0 { return i + found.trailingZeroBitCount >> 3 }
            i += 8
        }
        return i
    }
}
