/// Span agreement per annotator pair: F1 with exact matches (same start, end and type) and with overlap
/// matches (same type, ranges overlap), pooled over the documents both annotated, per type and overall.
/// A document where both marked nothing is left out for that pair rather than counted as agreement.
public struct SpanAgreement: Sendable {
    public struct Document: Sendable {
        public var annotations: [String: [Span]]
        public init(annotations: [String: [Span]]) { self.annotations = annotations }
    }

    public struct Counts: Sendable {
        var exactMatched = 0, overlapMatched = 0, total = 0
        var exactF1: Double? { total == 0 ? nil : 2 * Double(exactMatched) / Double(total) }
        var overlapF1: Double? { total == 0 ? nil : Double(overlapMatched) / Double(total) }
    }

    public struct Pair: Sendable {
        public var annotators: (String, String)
        public var items: Int
        public var overall: Counts
        public var byType: [String: Counts]
    }

    public let pairs: [Pair]

    public init(documents: [Document]) {
        let names = Set(documents.flatMap { $0.annotations.keys }).sorted()
        var pairs: [Pair] = []
        for (i, a) in names.enumerated() {
            for b in names[(i + 1)...] {
                var pair = Pair(annotators: (a, b), items: 0, overall: Counts(), byType: [:])
                for document in documents {
                    guard let x = document.annotations[a], let y = document.annotations[b], !(x.isEmpty && y.isEmpty) else { continue }
                    pair.items += 1
                    Self.count(x, y, into: &pair.overall)
                    for type in Set(x.map(\.label) + y.map(\.label)) {
                        Self.count(x.filter { $0.label == type }, y.filter { $0.label == type }, into: &pair.byType[type, default: Counts()])
                    }
                }
                pairs.append(pair)
            }
        }
        self.pairs = pairs
    }

    static func count(_ x: [Span], _ y: [Span], into counts: inout Counts) {
        counts.total += x.count + y.count
        let exact = Set(y.map { [String($0.start), String($0.end), $0.label] })
        counts.exactMatched += x.filter { exact.contains([String($0.start), String($0.end), $0.label]) }.count
        counts.overlapMatched += x.filter { s in y.contains { $0.label == s.label && $0.overlaps(s) } }.count
        counts.overlapMatched += y.filter { s in x.contains { $0.label == s.label && $0.overlaps(s) } }.count
    }

    /// The mean over pairs with a defined value.
    public var exactF1: Double? { Self.mean(pairs.compactMap(\.overall.exactF1)) }
    public var overlapF1: Double? { Self.mean(pairs.compactMap(\.overall.overlapF1)) }

    static func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1e6).rounded() / 1e6) } ?? .null }
        return .object([
            (key: "pairs", value: .array(pairs.map { pair in
                .object([
                    (key: "annotators", value: [.string(pair.annotators.0), .string(pair.annotators.1)]),
                    (key: "items", value: .int(pair.items)),
                    (key: "exact_f1", value: number(pair.overall.exactF1)),
                    (key: "overlap_f1", value: number(pair.overall.overlapF1)),
                    (key: "per_type", value: .object(pair.byType.sorted { $0.key < $1.key }.map { type, counts in
                        (key: type, value: ["exact_f1": number(counts.exactF1), "overlap_f1": number(counts.overlapF1)])
                    })),
                ])
            })),
            (key: "exact_f1", value: number(exactF1)),
            (key: "overlap_f1", value: number(overlapF1)),
        ])
    }
}
