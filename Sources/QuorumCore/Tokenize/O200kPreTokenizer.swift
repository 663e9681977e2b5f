/// Splits text into the pieces o200k_base encodes one by one, exactly as tiktoken's regex does:
///
///     [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///   | [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///   | \p{N}{1,3}
///   | ?[^\s\p{L}\p{N}]+[\r\n/]*
///   | \s*[\r\n]+
///   | \s+(?!\S)
///   | \s+
///
/// Written as a matcher over Unicode scalars rather than a regex: each alternative's backtracking is
/// worked out by hand below, and it runs many times faster than a general regex engine.
public struct O200kPreTokenizer {
    /// Scalar classes, as bits.
    struct Class: OptionSet {
        let rawValue: UInt8
        static let upperish = Class(rawValue: 1)  // Lu Lt Lm Lo M
        static let lowerish = Class(rawValue: 2)  // Ll Lm Lo M
        static let letter = Class(rawValue: 4)    // L
        static let number = Class(rawValue: 8)    // N
        static let space = Class(rawValue: 16)    // White_Space
        static let newline = Class(rawValue: 32)  // \r \n
    }

    private static let asciiClasses: [Class] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    static func classOf(_ scalar: Unicode.Scalar) -> Class {
        scalar.value < 128 ? asciiClasses[Int(scalar.value)] : classify(scalar)
    }

    static func classify(_ scalar: Unicode.Scalar) -> Class {
        var c: Class = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: c = [.upperish, .letter]
        case .lowercaseLetter: c = [.lowerish, .letter]
        case .modifierLetter, .otherLetter: c = [.upperish, .lowerish, .letter]
        case .nonspacingMark, .spacingMark, .enclosingMark: c = [.upperish, .lowerish]
        case .decimalNumber, .letterNumber, .otherNumber: c = [.number]
        default: break
        }
        if scalar.properties.isWhitespace { c.insert(.space) }
        if scalar == "\r" || scalar == "\n" { c.insert(.newline) }
        return c
    }

    /// Calls `piece` with the scalar range of each piece, in order; the pieces cover the whole text.
    public static func split(_ scalars: [Unicode.Scalar], piece: (Range<Int>) -> Void) {
        let classes = scalars.map(classOf)
        scalars.withUnsafeBufferPointer { s in classes.withUnsafeBufferPointer { c in split(s, classes: c, piece: piece) } }
    }

    /// As above, with the scalars' classes already worked out (the token counter reuses its buffers).
    static func split(_ scalars: UnsafeBufferPointer<Unicode.Scalar>, classes: UnsafeBufferPointer<Class>, piece: (Range<Int>) -> Void) {
        var i = 0
        let n = scalars.count
        while i < n {
            let end = match(at: i, scalars, classes)
            piece(i..<end)
            i = end
        }
    }

    /// The end of the first alternative that matches at `i` (every scalar matches one, so always > i).
    static func match(at i: Int, _ s: UnsafeBufferPointer<Unicode.Scalar>, _ c: UnsafeBufferPointer<Class>) -> Int {
        let n = s.count
        // A prefix character for the two letter alternatives: not \r, \n, a letter or a number.
        let canPrefix = c[i].isDisjoint(with: [.newline, .letter, .number])
        // 1 and 2: letters, with and then without the optional prefix (no array of starts: this runs per piece).
        if canPrefix, let end = letters1(from: i + 1, s, c) { return end }
        if let end = letters1(from: i, s, c) { return end }
        if canPrefix, let end = letters2(from: i + 1, s, c) { return end }
        if let end = letters2(from: i, s, c) { return end }
        // 3: one to three numbers.
        if c[i].contains(.number) {
            var j = i + 1
            while j < n, j < i + 3, c[j].contains(.number) { j += 1 }
            return j
        }
        // 4: an optional space, then punctuation and symbols, then any \r \n /.
        func isPunct(_ j: Int) -> Bool { j < n && c[j].isDisjoint(with: [.space, .letter, .number]) }
        var p = -1
        if s[i] == " ", isPunct(i + 1) { p = i + 1 } else if isPunct(i) { p = i }
        if p >= 0 {
            var j = p
            while isPunct(j) { j += 1 }
            while j < n, s[j] == "\r" || s[j] == "\n" || s[j] == "/" { j += 1 }
            return j
        }
        // 5-7: whitespace. `w` is the end of the run.
        var w = i
        while w < n, c[w].contains(.space) { w += 1 }
        if w > i {
            // 5: \s*[\r\n]+ ends just after the run's last newline.
            var k = w - 1
            while k >= i, !c[k].contains(.newline) { k -= 1 }
            if k >= i { return k + 1 }
            // 6: \s+(?!\S) stops one short of a following non-space; 7: \s+ takes the run.
            if w == n { return w }
            if w - 1 > i { return w - 1 }
            return w
        }
        return i + 1  // unreachable for valid input: every scalar is in some class above
    }

    /// `[Lu Lt Lm Lo M]*[Ll Lm Lo M]+` plus a contraction, from `start`.
    private static func letters1(from start: Int, _ s: UnsafeBufferPointer<Unicode.Scalar>, _ c: UnsafeBufferPointer<Class>) -> Int? {
        let n = s.count
        var j = start
        while j < n, c[j].contains(.upperish) { j += 1 }
        // Backtrack the upper run to the last place where a lower run can begin.
        var k = j
        while k >= start {
            if k < n, c[k].contains(.lowerish) { break }
            k -= 1
        }
        guard k >= start else { return nil }
        var e = k
        while e < n, c[e].contains(.lowerish) { e += 1 }
        return contraction(at: e, s)
    }

    /// `[Lu Lt Lm Lo M]+[Ll Lm Lo M]*` plus a contraction, from `start`.
    private static func letters2(from start: Int, _ s: UnsafeBufferPointer<Unicode.Scalar>, _ c: UnsafeBufferPointer<Class>) -> Int? {
        let n = s.count
        var j = start
        while j < n, c[j].contains(.upperish) { j += 1 }
        guard j > start else { return nil }
        while j < n, c[j].contains(.lowerish) { j += 1 }
        return contraction(at: j, s)
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)?` after `e`; Unicode case folding makes ſ (U+017F) an s.
    private static func contraction(at e: Int, _ s: UnsafeBufferPointer<Unicode.Scalar>) -> Int {
        let n = s.count
        guard e + 1 < n, s[e] == "'" else { return e }
        func lower(_ x: Unicode.Scalar) -> Unicode.Scalar {
            if x == "\u{17F}" { return "s" }
            if x.value >= 65, x.value <= 90 { return Unicode.Scalar(x.value + 32)! }
            return x
        }
        let a = lower(s[e + 1])
        if a == "s" || a == "t" || a == "m" || a == "d" { return e + 2 }
        if e + 2 < n {
            let b = lower(s[e + 2])
            if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return e + 3 }
        }
        return e
    }
}
