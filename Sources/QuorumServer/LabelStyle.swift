/// Each label's key and colour, by its position in the project: the same on every page.
enum LabelStyle {
    static let palette = ["#2b59c3", "#c0392b", "#1e8449", "#b9770e", "#7d3c98", "#138d90", "#a04000", "#5d6d7e", "#c71585"]
    /// 1–9, then the letters no action uses (a, e, g, n, r, s, x, y, j, k and c act on the annotate and review pages).
    static let keys = Array("123456789bdfhilmopqtuvwz")

    /// `{"name", "key", "colour"}` per label, for templates.
    static func context(_ labels: [String]) -> [[String: Any]] {
        labels.enumerated().map { i, label in
            ["name": label, "key": i < keys.count ? String(keys[i]) : "", "colour": palette[i % palette.count]]
        }
    }
}
