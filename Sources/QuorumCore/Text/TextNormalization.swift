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
        let needsComposition = text.withUTF8 { bytes in collapse(bytes, into: &out) }
        if needsComposition {
            let collapsed = String(decoding: out[base...], as: UTF8.self)
            out.removeSubrange(base...)
            out.append(contentsOf: collapsed.precomposedStringWithCanonicalMapping.utf8)
        }
    }

    /// Collapses whitespace into `out`; says whether NFC could change what was written. Written through a
    /// pointer into room made once (the result is never longer than the text): appending word by word cost the
    /// import and the export more than reading the JSON.
    private static func collapse(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: bytes.count))
        var needsComposition = false
        let written = out.withUnsafeMutableBufferPointer { out -> Int in
            var w = base
            var wroteAny = false
            var runStart = 0
            var i = 0
            func endRun(at end: Int) {
                guard end > runStart else { return }
                if wroteAny { out[w] = 0x20; w += 1 }
                // A word at a time rather than a byte (a tenth of an export's folding went to the copy).
                (out.baseAddress! + w).update(from: bytes.baseAddress! + runStart, count: end - runStart)
                w += end - runStart
                wroteAny = true
            }
            while i < bytes.count {
                let byte = bytes[i]
                if byte < 0x80 {
                    if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                        endRun(at: i)
                        runStart = i + 1
                    }
                    i += 1
                    continue
                }
                // A multi-byte scalar: its length comes from the lead byte (the string is valid UTF-8).
                let length = min(byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2, bytes.count - i)
                let scalar = UnsafeBufferPointer(rebasing: bytes[i..<i + length])
                if isNonASCIIWhitespace(scalar) {
                    endRun(at: i)
                    runStart = i + length
                } else if byte >= 0xCC, !needsComposition, !isCompositionInert(scalar) {
                    needsComposition = true
                }
                i += length
            }
            endRun(at: bytes.count)
            return w
        }
        out.removeSubrange(written...)
        return needsComposition
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
        appendNormalized(text, to: &out)
        // ASCII, the common case, is lower-cased through a pointer; the rest below, scalar by scalar.
        var i = out.withUnsafeMutableBufferPointer { out -> Int in
            var i = base
            while i < out.count, out[i] < 0x80 {
                if out[i] >= 0x41 && out[i] <= 0x5A { out[i] += 0x20 }
                i += 1
            }
            return i
        }
        while i < out.count {
            let b = out[i]
            if b < 0x80 {
                if b >= 0x41 && b <= 0x5A { out[i] = b + 0x20 }
                i += 1
                continue
            }
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            var value = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length where i + k < out.count { value = value << 6 | UInt32(out[i + k] & 0x3F) }
            if length == 2 {
                let lower = twoByteLowercase[Int(value) - 0x80]
                if lower.count == 2 {
                    out[i] = lower[0]
                    out[i + 1] = lower[1]
                } else {
                    out.replaceSubrange(i..<i + 2, with: lower)
                    i += lower.count
                    continue
                }
            } else if !caselessRanges.contains(where: { $0.contains(value) }) {
                // Lower-case the rest as Swift does (already folded bytes are unchanged by it).
                let rest = String(decoding: out[i...], as: UTF8.self).lowercased()
                out.removeSubrange(i...)
                out.append(contentsOf: rest.utf8)
                return
            }
            i += length
        }
    }

    /// `lowercased()` of every scalar from U+0080 to U+07FF, as UTF-8 (Swift maps case scalar by scalar).
    static let twoByteLowercase: [[UInt8]] = (0x80..<0x800).map { value in
        Array(String(Character(Unicode.Scalar(UInt32(value))!)).lowercased().utf8)
    }

    /// Blocks without letter case.
    static let caselessRanges: [ClosedRange<UInt32>] = [
        0x200B...0x200F, 0x3000...0x9FFF, 0xAC00...0xD7A3, 0xFE00...0xFE0F, 0x1F000...0x1FAFF,
    ]
}
