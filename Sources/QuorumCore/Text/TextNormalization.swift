import Foundation

/// The normalization behind the duplicate hash: Unicode NFC, runs of whitespace collapsed to one space,
/// ends trimmed, case kept. Stored texts are never normalized; only their hash key is.
public enum TextNormalization {
    public static func normalized(_ text: String) -> String {
        var out: [UInt8] = []
        appendNormalized(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the normalized UTF-8 of `text` to `out`. Works on bytes: the import runs this on every
    /// string of every line, and the scalar-property lookups of the obvious version cost more than the
    /// rest of the import together.
    public static func appendNormalized(_ text: String, to out: inout [UInt8]) {
        var text = text
        let base = out.count
        let needsComposition = text.withUTF8 { collapse($0, into: &out, lowercasingASCII: false) }.needsComposition
        if needsComposition {
            let collapsed = String(decoding: out[base...], as: UTF8.self)
            out.removeSubrange(base...)
            out.append(contentsOf: collapsed.precomposedStringWithCanonicalMapping.utf8)
        }
    }

    /// Collapses whitespace into `out` (and lower-cases ASCII letters when asked); says whether NFC could change
    /// what was written and whether any byte above ASCII was. Written through a pointer into room made once (the
    /// result is never longer than the text), eight bytes at a time while they are printable ASCII: folding was
    /// a tenth of an export's work, and the byte-at-a-time loop most of that (benchmark in docs/BENCHMARKS.md).
    private static func collapse(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], lowercasingASCII: Bool)
        -> (needsComposition: Bool, nonASCII: Bool) {
        guard !bytes.isEmpty else { return (false, false) }
        let base = out.count
        // Eight bytes of slack: a word's bytes are stored eight at a time, possibly past its end (overwritten next).
        out.append(contentsOf: repeatElement(0, count: bytes.count + 8))
        var needsComposition = false, nonASCII = false
        let written = out.withUnsafeMutableBufferPointer { out -> Int in
            let source = bytes.baseAddress!, destination = out.baseAddress!
            var w = base, r = 0
            // A run of whitespace seen since the last word: written as one space before the next word, if any word
            // came before (so both ends are trimmed).
            var pendingSpace = false, wroteAny = false
            func startWord() {
                if pendingSpace, wroteAny { destination[w] = 0x20; w += 1 }
                pendingSpace = false
                wroteAny = true
            }
            while r < bytes.count {
                if r + 8 <= bytes.count {
                    let word = ByteWords.load(source, r)
                    // The bytes below 0x21 (whitespace, controls) or above 0x7F (scalars of several bytes).
                    let special = ByteWords.below(word, 0x21) | (word & ByteWords.highs)
                    let plain = special == 0 ? 8 : special.trailingZeroBitCount >> 3
                    if plain > 0 {
                        startWord()
                        let stored = lowercasingASCII ? Self.lowercasedASCII(word) : word
                        UnsafeMutableRawPointer(destination + w).storeBytes(of: stored.littleEndian, as: UInt64.self)
                        w += plain
                        r += plain
                        continue
                    }
                }
                let byte = source[r]
                if byte < 0x80 {
                    if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                        pendingSpace = true
                    } else {
                        startWord()
                        destination[w] = lowercasingASCII && byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                        w += 1
                    }
                    r += 1
                    continue
                }
                // A multi-byte scalar: its length comes from the lead byte (the string is valid UTF-8).
                let length = min(byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2, bytes.count - r)
                let scalar = UnsafeBufferPointer(start: source + r, count: length)
                if isNonASCIIWhitespace(scalar) {
                    pendingSpace = true
                } else {
                    startWord()
                    nonASCII = true
                    if byte >= 0xCC, !needsComposition, !isCompositionInert(scalar) { needsComposition = true }
                    (destination + w).update(from: source + r, count: length)
                    w += length
                }
                r += length
            }
            return w
        }
        out.removeSubrange(written...)
        return (needsComposition, nonASCII)
    }

    /// ASCII letters of eight bytes lower-cased at once; only the bytes below 0x80 are right (the caller keeps only
    /// those).
    private static func lowercasedASCII(_ word: UInt64) -> UInt64 {
        let atLeastA = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & 0x8080_8080_8080_8080
        let pastZ = (word &+ 0x2525_2525_2525_2525) & 0x8080_8080_8080_8080
        return word | ((atLeastA & ~pastZ) >> 2)
    }

    /// Scalars that NFC leaves alone and that never take part in a composition: everything below U+0300
    /// (checked by the caller) and the blocks that fill most non-Latin text here (Cyrillic, kana, CJK
    /// ideographs, Hangul syllables, emoji). Only texts with other scalars pay for Foundation's NFC.
    static func isCompositionInert(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var value: UInt32 = 0
        for (n, b) in bytes.enumerated() {
            value = n == 0 ? UInt32(b) & (bytes.count == 2 ? 0x1F : bytes.count == 3 ? 0x0F : 0x07) : value << 6 | UInt32(b & 0x3F)
        }
        return inertRanges.contains { $0.contains(value) }
    }

    static let inertRanges: [ClosedRange<UInt32>] = [
        0x0400...0x0482, 0x048A...0x04FF, 0x200B...0x2027, 0x2030...0x205E, 0x3041...0x3096, 0x30A0...0x30FF,
        0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xFE00...0xFE0F, 0x1F000...0x1FAFF,
    ]

    /// Unicode's White_Space characters above ASCII: U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
    /// U+2029, U+202F, U+205F and U+3000.
    private static func isNonASCIIWhitespace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let b0 = bytes[0], b1 = bytes.count > 1 ? bytes[1] : 0, b2 = bytes.count > 2 ? bytes[2] : 0
        switch bytes.count {
        case 2: return b0 == 0xC2 && (b1 == 0x85 || b1 == 0xA0)
        case 3:
            if b0 == 0xE1 { return b1 == 0x9A && b2 == 0x80 }
            if b0 == 0xE2, b1 == 0x80 { return b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF }
            if b0 == 0xE2, b1 == 0x81 { return b2 == 0x9F }
            if b0 == 0xE3 { return b1 == 0x80 && b2 == 0x80 }
            return false
        default: return false
        }
    }

    /// Normalized and case-folded: the key `quorum validate` uses for exact duplicates.
    public static func folded(_ text: String) -> String {
        var out: [UInt8] = []
        appendFolded(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the normalized, lower-cased UTF-8 of `text` to `out`. ASCII and two-byte scalars (Latin,
    /// Greek, Cyrillic, …) are folded through a table, in place where the lower case is as long; caseless scripts
    /// (CJK, kana, Hangul, emoji) are left; only text with other scalars pays for `lowercased()`.
    public static func appendFolded(_ text: String, to out: inout [UInt8]) {
        let base = out.count
        var text = text
        let (needsComposition, nonASCII) = text.withUTF8 { collapse($0, into: &out, lowercasingASCII: true) }
        if needsComposition {
            // NFC first, then case, as `lowercased()` of the normalized text would.
            out.removeSubrange(base...)
            appendNormalized(text, to: &out)
        } else if !nonASCII {
            return
        }
        var i = base
        while i < out.count {
            // In place through a pointer while no scalar changes length (the common case).
            i = out.withUnsafeMutableBufferPointer { out -> Int in
                var i = i
                while i < out.count {
                    let b = out[i]
                    if b < 0x80 {
                        if b >= 0x41 && b <= 0x5A { out[i] = b + 0x20 }
                        i += 1
                        continue
                    }
                    let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                    if length == 2, i + 1 < out.count {
                        let lower = twoByteLowercaseInPlace[(Int(b & 0x1F) << 6 | Int(out[i + 1] & 0x3F)) - 0x80]
                        guard lower != 0 else { return i }
                        out[i] = UInt8(lower >> 8)
                        out[i + 1] = UInt8(lower & 0xFF)
                    } else if length > 2 {
                        var value = UInt32(b) & (length == 3 ? 0x0F : 0x07)
                        for k in 1..<length where i + k < out.count { value = value << 6 | UInt32(out[i + k] & 0x3F) }
                        if !caselessRanges.contains(where: { $0.contains(value) }) { return i }
                    }
                    i += length
                }
                return i
            }
            guard i < out.count else { return }
            let b = out[i]
            if b < 0xE0, i + 1 < out.count {
                // A two-byte scalar whose lower case is longer or shorter (İ).
                let lower = twoByteLowercase[(Int(b & 0x1F) << 6 | Int(out[i + 1] & 0x3F)) - 0x80]
                out.replaceSubrange(i..<i + 2, with: lower)
                i += lower.count
            } else {
                // Lower-case the rest as Swift does (already folded bytes are unchanged by it).
                let rest = String(decoding: out[i...], as: UTF8.self).lowercased()
                out.removeSubrange(i...)
                out.append(contentsOf: rest.utf8)
                return
            }
        }
    }

    /// `lowercased()` of every scalar from U+0080 to U+07FF, as UTF-8 (Swift maps case scalar by scalar).
    static let twoByteLowercase: [[UInt8]] = (0x80..<0x800).map { value in
        Array(String(Character(Unicode.Scalar(UInt32(value))!)).lowercased().utf8)
    }

    /// The same as two bytes in one number, or 0 where the lower case is not two bytes long (read per scalar in
    /// the loop above, where an array per entry cost a retain and a release).
    static let twoByteLowercaseInPlace: [UInt16] = twoByteLowercase.map { $0.count == 2 ? UInt16($0[0]) << 8 | UInt16($0[1]) : 0 }

    /// Blocks without letter case.
    static let caselessRanges: [ClosedRange<UInt32>] = [
        0x200B...0x200F, 0x3000...0x9FFF, 0xAC00...0xD7A3, 0xFE00...0xFE0F, 0x1F000...0x1FAFF,
    ]
}
