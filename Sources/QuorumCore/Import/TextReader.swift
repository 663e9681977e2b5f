/// Plain text: one item per non-blank line, kept as written.
public struct TextReader: ItemReader {
    public init() {}

    public mutating func read(line: Int, text: String, emit: (ImportRecord) throws -> Void) rethrows {
        guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { return }
        try emit(ImportRecord(line: line, raw: text, result: .success(ImportedItem(text: text, externalID: nil))))
    }
}
