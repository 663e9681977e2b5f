/// Levenshtein distance over Unicode scalars, normalized by the longer text: 0 for equal texts, 1 for
/// texts with nothing in common. Two empty texts are at distance 0.
public enum EditDistance {
    public static func normalized(_ a: String, _ b: String) -> Double {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let longer = max(x.count, y.count)
        guard longer > 0 else { return 0 }
        return Double(distance(x, y)) / Double(longer)
    }

    static func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar]) -> Int {
        // What two corrections share at the start and the end costs nothing: only the middle needs the table
        // (equal texts, the common case, need none).
        var start = 0
        while start < x.count, start < y.count, x[start] == y[start] { start += 1 }
        var end = 0
        while end < x.count - start, end < y.count - start, x[x.count - 1 - end] == y[y.count - 1 - end] { end += 1 }
        if start > 0 || end > 0 { return table(Array(x[start..<(x.count - end)]), Array(y[start..<(y.count - end)])) }
        return table(x, y)
    }

    private static func table(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar]) -> Int {
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = x[i - 1] == y[j - 1] ? previous[j - 1] : 1 + min(previous[j - 1], previous[j], current[j - 1])
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
