/// The file formats `quorum import` reads.
public enum ImportFormat: String, CaseIterable, Sendable {
    case auto
    case chat
    case promptCompletion = "prompt-completion"
    case csv
    case text
    case doccano
    /// spaCy's and Prodigy's JSONL (`"spans"`, `"cats"`, `"answer"`); read by the same reader as doccano.
    case spacy
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
        // A JSON document (an array of tasks, or one task spread over lines) before JSON lines.
        if line.hasPrefix("[") { return .labelStudio }
        let parsed = line.hasPrefix("{") ? try? JSONParser.parse(line) : nil
        if name.hasSuffix(".json"), parsed == nil || parsed?["data"] != nil || parsed?["annotations"] != nil { return .labelStudio }
        if line == "{" { return .labelStudio }
        if let value = parsed {
            if value["messages"] != nil { return .chat }
            if value["prompt"] != nil, value["completion"] != nil { return .promptCompletion }
            if value["data"] != nil || value["annotations"] != nil || value["predictions"] != nil { return .labelStudio }
            if value["spans"] != nil || value["answer"] != nil || value["tokens"] != nil { return .spacy }
            if value["text"] != nil { return .doccano }
        }
        if line.hasPrefix("{") { return .chat }  // a broken JSON line: the chat reader reports it best
        // CoNLL: a token and its tag, by tabs or spaces, with any columns between (CoNLL-2003 has four).
        let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
        if (2...4).contains(fields.count), CoNLLReader.isTag(String(fields[fields.count - 1])) || line.hasPrefix("-DOCSTART-") { return .conll }
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
