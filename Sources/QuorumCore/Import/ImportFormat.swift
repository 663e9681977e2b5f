/// The file formats `quorum import` reads.
public enum ImportFormat: String, CaseIterable, Sendable {
    case auto
    case chat
    case promptCompletion = "prompt-completion"
    case csv
    case text
    case doccano
    case labelStudio = "label-studio"
    case conll

    public static var names: String { allCases.map(\.rawValue).joined(separator: "|") }

    /// Picks a format from the file name and its first non-blank line, as a person would.
    public static func detect(fileName: String, firstLine: String?) -> ImportFormat {
        var name = fileName.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") || name.hasSuffix(".tsv") { return .csv }
        if name.hasSuffix(".conll") || name.hasSuffix(".bio") || name.hasSuffix(".iob") || name.hasSuffix(".conllu") { return .conll }
        let line = firstLine?.trimmingWhitespace ?? ""
        if line.hasPrefix("[") || (name.hasSuffix(".json") && !line.hasPrefix("{")) { return .labelStudio }
        if line.hasPrefix("{"), let value = try? JSONParser.parse(line) {
            if value["messages"] != nil { return .chat }
            if value["prompt"] != nil, value["completion"] != nil { return .promptCompletion }
            if value["text"] != nil { return .doccano }
            if value["data"] != nil { return .labelStudio }
        }
        if line.hasPrefix("{") { return .chat }  // a broken JSON line: the chat reader reports it best
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        if fields.count == 2, CoNLLReader.isTag(String(fields[1])) { return .conll }
        return .text
    }
}

extension String {
    var trimmingWhitespace: String {
        // Most lines have nothing to trim: say so without touching the middle.
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
