/// A text addressed by Unicode code points, the unit of every span offset in Quorum
/// (Python `str` indices; the browser's UTF-16 is converted at the edge).
public struct CodePointText: Sendable {
    public let scalars: [Unicode.Scalar]

    public init(_ text: String) { scalars = Array(text.unicodeScalars) }

    public var count: Int { scalars.count }

    /// `text[start:end]`, or nil when the range is not inside the text.
    public func slice(_ start: Int, _ end: Int) -> String? {
        guard start >= 0, end <= scalars.count, start <= end else { return nil }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }

    /// Converts UTF-16 offsets (JavaScript, Label Studio) to code-point offsets; nil when an offset
    /// falls inside a surrogate pair or outside the text.
    public func codePointOffset(utf16 offset: Int) -> Int? {
        var units = 0
        for (i, scalar) in scalars.enumerated() {
            if units == offset { return i }
            if units > offset { return nil }
            units += scalar.utf16.count
        }
        return units == offset ? scalars.count : nil
    }
}
