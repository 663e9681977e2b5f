/// MinHash signatures over word shingles, with banding to find candidate pairs (near duplicates).
public struct MinHash: Sendable {
    public static let permutations = 32
    public static let bands = 8
    static let rows = permutations / bands
    public static let shingleSize = 3

    /// The signature of a text that is already normalized and case-folded (UTF-8, words split by spaces).
    /// Each shingle is hashed once; the permutations derive from it by double hashing.
    public static func signature(of text: [UInt8]) -> [UInt32] {
        var words: [UInt64] = []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var inWord = false
        for b in text {
            if b == 0x20 {
                if inWord { words.append(h); h = 0xcbf2_9ce4_8422_2325; inWord = false }
            } else {
                h = (h ^ UInt64(b)) &* 0x100_0000_01b3
                inWord = true
            }
        }
        if inWord { words.append(h) }
        var minimums = [UInt64](repeating: .max, count: permutations)
        let width = min(shingleSize, words.count)
        if width > 0 {
            for start in 0...(words.count - width) {
                var shingle: UInt64 = 0
                for w in words[start..<(start + width)] { shingle = mix(shingle ^ w) }
                let h1 = shingle, h2 = mix(shingle) | 1
                for k in 0..<permutations {
                    let v = h1 &+ UInt64(k) &* h2
                    if v < minimums[k] { minimums[k] = v }
                }
            }
        }
        return minimums.map { UInt32(truncatingIfNeeded: $0 >> 32) }
    }

    /// The hash of band `band` of a signature.
    static func bandHash(_ signature: ArraySlice<UInt16>, band: Int) -> UInt64 {
        var h: UInt64 = UInt64(band) &+ 1
        let start = signature.startIndex + band * rows
        for v in signature[start..<(start + rows)] { h = h << 16 | UInt64(v) }
        return h
    }

    /// Estimated Jaccard similarity: the share of equal positions.
    static func similarity(_ a: ArraySlice<UInt16>, _ b: ArraySlice<UInt16>) -> Double {
        var same = 0
        for (x, y) in zip(a, b) where x == y { same += 1 }
        return Double(same) / Double(permutations)
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
