import Foundation

/// The normalization behind the duplicate hash: Unicode NFC, runs of whitespace collapsed to one space,
/// ends trimmed, case kept. Stored texts are never normalized; only their hash key is.
public enum TextNormalization {
    public static func normalized(_ text: String) -> String {
        let composed = text.utf8.allSatisfy({ $0 < 0x80 }) ? text : text.precomposedStringWithCanonicalMapping
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in composed.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Normalized and case-folded: the key `quorum validate` uses for exact duplicates.
    public static func folded(_ text: String) -> String {
        normalized(text).lowercased()
    }
}
