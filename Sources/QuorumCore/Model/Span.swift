/// An entity span: `[start, end)` in Unicode code points, with the text it covers so that
/// `text[start:end] == span.text` can be checked wherever a span crosses a boundary.
public struct Span: Equatable, Hashable, Sendable {
    public var start: Int
    public var end: Int
    public var label: String
    public var text: String

    public init(start: Int, end: Int, label: String, text: String) {
        self.start = start
        self.end = end
        self.label = label
        self.text = text
    }

    public var json: JSONValue {
        ["start": .int(start), "end": .int(end), "label": .string(label), "text": .string(text)]
    }

    public func overlaps(_ other: Span) -> Bool { start < other.end && other.start < end }
}

extension Span {
    /// A stored span (`{"start", "end", "label", "text"}`); nil when a field is missing.
    public init?(json: JSONValue) {
        guard let start = json["start"]?.intValue, let end = json["end"]?.intValue,
              let label = json["label"]?.stringValue, let text = json["text"]?.stringValue else { return nil }
        self.init(start: start, end: end, label: label, text: text)
    }
}
