import Foundation
import Testing
@testable import QuorumCore

/// Runs a reader over text as the import pipeline would.
func read(_ reader: some ItemReader, _ text: String) -> [ImportRecord] {
    var reader = reader
    var records: [ImportRecord] = []
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        reader.read(line: i + 1, text: String(line)) { records.append($0) }
    }
    reader.finish { records.append($0) }
    return records
}

extension ImportRecord {
    var item: ImportedItem? { if case .success(let item) = result { return item } else { return nil } }
    var issues: [ImportIssue] { if case .failure(let issues) = result { return issues.issues } else { return [] } }
}

@Suite struct ChatReaderTests {
    @Test func storesTheLineAsWrittenAndKeepsExtraKeys() throws {
        let line = #"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "weight": 0}], "tools": [{"type": "function"}]}"#
        let records = read(ChatReader(), line)
        let item = try #require(records.first?.item)
        #expect(item.input == line)
        #expect(item.kind == .chat)
    }

    @Test func namesTheFieldOfEachProblem() {
        let records = read(ChatReader(), #"{"messages": [{"role": "user", "content": 5}, {"content": "x"}]}"#)
        #expect(records[0].issues.map(\.field) == ["messages[0].content", "messages[1].role"])
    }

    @Test func duplicateKeyIgnoresSpacingAndComposition() throws {
        let a = read(ChatReader(), #"{"messages": [{"role": "user", "content": "  caf\u00e9   au lait "}]}"#)
        let b = read(ChatReader(), #"{"messages":[{"role":"user","content":"cafe\u0301 au lait"}]}"#)
        #expect(try #require(a[0].item).dedupHash == (try #require(b[0].item)).dedupHash)
    }

    @Test func promptCompletionBecomesUserAndAssistant() throws {
        let item = try #require(read(PromptCompletionReader(), #"{"prompt": "2+2?", "completion": " 4\n"}"#)[0].item)
        let value = try JSONParser.parse(item.input)
        #expect(value["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["user", "assistant"])
        #expect(value["messages"]?.arrayValue?[1]["content"] == .string(" 4\n"))
        #expect(read(PromptCompletionReader(), #"{"prompt": "x"}"#)[0].issues.map(\.field) == ["completion"])
    }
}

@Suite struct CSVReaderTests {
    @Test func readsQuotedCommasQuotesAndLineBreaks() throws {
        let csv = "id,text,category,source\n1,\"Hello, world\",greet,web\n2,\"She said \"\"hi\"\"\nthen left\",story,app\n"
        let records = read(CSVReader(), csv)
        #expect(records.count == 2)
        let first = try #require(records[0].item)
        #expect(first.input == #"{"text":"Hello, world","meta":{"source":"web"}}"#)
        #expect(first.suggestedLabels == ["greet"])
        #expect(first.externalID == "1")
        let second = try #require(records[1].item)
        #expect(try JSONParser.parse(second.input)["text"] == .string("She said \"hi\"\nthen left"))
        #expect(records[1].line == 3)
    }

    @Test func saysWhichColumnIsMissing() {
        let records = read(CSVReader(labelColumn: "intent"), "text,category\nhello,greet\n")
        #expect(records[0].issues.first?.message.contains("no \"intent\" column") == true)
    }

    @Test func reportsFieldCountAndUnclosedQuote() {
        let records = read(CSVReader(), "text,label\na,b,c\n\"open,x\n")
        #expect(records[0].issues.first?.message.contains("3 fields") == true)
        #expect(records[1].issues.first?.message.contains("never closed") == true)
        #expect(records[1].line == 3)
    }
}

@Suite struct SpanReaderTests {
    /// Texts where UTF-16, UTF-8 and grapheme counts all differ from code points.
    static let hardTexts: [(String, String)] = [
        ("👩‍👩‍👧‍👦 loves Paris", "Paris"), ("🇫🇷 Macron", "Macron"), ("𠮷野家 in Tokyo", "Tokyo"),
        ("قال محمد", "محمد"), ("नमस्ते दिल्ली", "दिल्ली"), ("cafe\u{301} Zoë", "Zoë"),
    ]

    @Test(arguments: hardTexts)
    func doccanoOffsetsAreCodePoints(text: String, entity: String) throws {
        let scalars = Array(text.unicodeScalars)
        let start = scalars.count - entity.unicodeScalars.count
        let line = JSONValue.object([(key: "text", value: .string(text)),
                                     (key: "label", value: [[.int(start), .int(scalars.count), "X"]])]).jsonText
        let item = try #require(read(DoccanoReader(), line)[0].item)
        #expect(item.suggestedSpans == [Span(start: start, end: scalars.count, label: "X", text: entity)])
    }

    @Test func doccanoRefusesSpansOutsideTheText() {
        let records = read(DoccanoReader(), #"{"text": "abc", "label": [[1, 9, "X"]]}"#)
        #expect(records[0].issues.first?.field == "label[0]")
    }

    @Test func doccanoCategoriesBecomeLabels() throws {
        let item = try #require(read(DoccanoReader(), #"{"id": 4, "text": "refund please", "label": ["refund"]}"#)[0].item)
        #expect(item.suggestedLabels == ["refund"])
        #expect(item.externalID == "4")
    }

    @Test func conllJoinsTokensAndCountsCodePoints() throws {
        let conll = "🇫🇷\tO\nEmmanuel\tB-person\nMacron\tI-person\nin\tO\n𠮷野\tB-location\n\nsecond\tO\n"
        let records = read(CoNLLReader(), conll)
        #expect(records.count == 2)
        let item = try #require(records[0].item)
        #expect(try JSONParser.parse(item.input)["text"] == .string("🇫🇷 Emmanuel Macron in 𠮷野"))
        #expect(item.suggestedSpans == [Span(start: 3, end: 18, label: "person", text: "Emmanuel Macron"),
                                        Span(start: 22, end: 24, label: "location", text: "𠮷野")])
        #expect(read(CoNLLReader(), "word\tX-thing\n")[0].issues.first?.field == "tag")
    }

    @Test func labelStudioOffsetsAreConvertedFromUTF16() throws {
        // "👩‍👩‍👧‍👦" is 7 code points but 11 UTF-16 units: Label Studio's 12..15 is our 8..11.
        let export = #"""
        [{"id": 1, "data": {"text": "👩‍👩‍👧‍👦 Ana met Bo"},
          "annotations": [{"completed_by": {"id": 3, "email": "ana@example.com"},
                           "result": [{"type": "labels", "value": {"start": 12, "end": 15, "text": "Ana", "labels": ["person"]}}]},
                          {"completed_by": 9, "was_cancelled": true, "result": []}],
          "predictions": [{"result": [{"type": "labels", "value": {"start": 20, "end": 22, "text": "Bo", "labels": ["person"]}}]}]}]
        """#
        let records = read(LabelStudioReader(), export)
        let item = try #require(records.first?.item)
        #expect(item.suggestedSpans == [Span(start: 16, end: 18, label: "person", text: "Bo")])
        #expect(item.annotations.map(\.username) == ["label-studio:ana@example.com", "label-studio-9"])
        #expect(item.annotations[0].spans == [Span(start: 8, end: 11, label: "person", text: "Ana")])
        #expect(item.annotations[1].skipped)
    }

    @Test func labelStudioNamesTheLineOfABadTask() {
        let export = "[\n{\"data\": {\"text\": \"ok\"}},\n{\"nodata\": 1}\n]"
        let records = read(LabelStudioReader(), export)
        #expect(records.count == 2)
        #expect(records[1].issues.first?.line == 3)
        #expect(records[1].issues.first?.field == "[1].data.text")
    }
}

@Suite struct ImportPolicyTests {
    @Test func projectWithoutLabelsAdoptsTheFilesLabels() {
        var policy = ImportPolicy(projectName: "P", kind: .classify, labels: [], multiLabel: false)
        var item = ImportedItem(text: "x", externalID: nil)
        item.suggestedLabels = ["b"]
        #expect(policy.check(item, line: 1).isEmpty)
        #expect(policy.addedLabels == ["b"])
    }

    @Test func unknownLabelIsAnErrorWhenTheProjectHasLabels() {
        var policy = ImportPolicy(projectName: "P", kind: .classify, labels: ["a"], multiLabel: false)
        var item = ImportedItem(text: "x", externalID: nil)
        item.suggestedLabels = ["b"]
        #expect(policy.check(item, line: 7).first?.description.hasPrefix("7:label: label \"b\"") == true)
    }

    @Test func kindsMustMatch() {
        var chat = ImportPolicy(projectName: "P", kind: .chat, labels: [], multiLabel: false)
        #expect(chat.check(ImportedItem(text: "x", externalID: nil), line: 1).first?.field == "format")
    }
}

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("a.csv", "text,label", ImportFormat.csv), ("a.jsonl", #"{"messages": []}"#, .chat),
        ("a.jsonl", #"{"prompt": "p", "completion": "c"}"#, .promptCompletion), ("a.jsonl", #"{"text": "t", "label": []}"#, .doccano),
        ("export.json", "[", .labelStudio), ("a.conll", "x\tO", .conll), ("a.txt", "Emmanuel\tB-person", .conll),
        ("notes.txt", "just text", .text), ("a.jsonl.gz", #"{"messages": []}"#, .chat),
    ])
    func detectsFromNameAndFirstLine(name: String, line: String, expected: ImportFormat) {
        #expect(ImportFormat.detect(fileName: name, firstLine: line) == expected)
    }
}

@Suite struct TextNormalizationTests {
    @Test func composesCollapsesAndTrims() {
        #expect(TextNormalization.normalized("\n  cafe\u{301}\t\tau  lait \n") == "caf\u{e9} au lait")
        #expect(TextNormalization.normalized("Case Kept") == "Case Kept")
    }
}

@Suite struct WhitespaceTests {
    /// The byte-level normalization must agree with Unicode's White_Space property for every scalar.
    @Test func agreesWithUnicodeWhiteSpace() {
        for value in 0..<0x3100 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "a" + String(Character(scalar)) + "b"
            let collapsed = TextNormalization.normalized(text) == "a b"
            if scalar.properties.isWhitespace != collapsed, !(scalar == " ") {
                Issue.record("U+\(String(value, radix: 16)) whitespace=\(scalar.properties.isWhitespace) collapsed=\(collapsed)")
            }
        }
    }
}

@Suite struct CompositionInertTests {
    /// Every scalar the normalization skips NFC for must be unchanged by NFC and a starter (combining class 0).
    @Test func inertScalarsAreStableUnderNFC() {
        for range in TextNormalization.inertRanges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let text = String(Character(scalar))
                if text.precomposedStringWithCanonicalMapping != text || scalar.properties.canonicalCombiningClass != .notReordered {
                    Issue.record("U+\(String(value, radix: 16)) is not inert")
                }
                var copy = text
                #expect(copy.withUTF8 { TextNormalization.isCompositionInert($0) })
            }
        }
    }

    @Test func composesWhereNeeded() {
        #expect(TextNormalization.normalized("東京 cafe\u{301}") == "東京 caf\u{e9}")
        #expect(TextNormalization.normalized("\u{1100}\u{1161}") == "\u{AC00}")
        #expect(TextNormalization.normalized("か\u{3099}") == "が")
    }
}

@Suite struct FoldingTests {
    @Test func caselessBlocksHaveNoCase() {
        for range in TextNormalization.caselessRanges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                if scalar.properties.changesWhenLowercased { Issue.record("U+\(String(value, radix: 16)) has case") }
            }
        }
    }

    @Test func foldsEveryScript() {
        #expect(TextNormalization.folded("  Ünïcode   ÇA VA 東京 ПРИВЕТ 👍 ") == "ünïcode ça va 東京 привет 👍")
    }
}

@Suite struct FoldingAgreesWithLowercased {
    @Test func mixedScriptsFoldLikeTheStandardLibrary() {
        let samples = ["İstanbul ΣΟΦΙΑ Ωμέγα ΑΘΗΝΑ Ärger ŒUVRE Ǆ ǅ Ⅻ Ⓐ ＡＢＣ", "ΚΑΛΗΜΕΡΑ και ΣΑΣ", "DŽungla Łódź ĲSSEL"]
        for sample in samples {
            #expect(TextNormalization.folded(sample) == TextNormalization.normalized(sample).lowercased())
        }
    }
}

@Suite struct NormalizationAgreesWithReference {
    /// Random texts over the cases the byte-level code treats apart (words longer and shorter than eight bytes,
    /// ASCII and Unicode whitespace, control bytes, upper case, combining marks, caseless scripts) normalize and
    /// fold exactly as Unicode's definitions put plainly would.
    @Test func randomTextsMatchThePlainDefinition() {
        let pieces = ["a", "B", "Zebra", "ABCDEFGHIJ", "lowercase-words-long", "x1", "\u{7F}", "\u{1}", " ", "  ", "\t", "\n", "\r\n",
                      "\u{A0}", "\u{3000}", "\u{2009}", "\u{85}", "é", "E\u{301}", "Ä", "ΣΟΦΙΑ", "привет", "東京", "👍", "İ", "ǅ", "\u{301}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let words = text.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map { String(String.UnicodeScalarView($0)) }
            let expected = words.joined(separator: " ").precomposedStringWithCanonicalMapping
            #expect(TextNormalization.normalized(text) == expected, "\(text.debugDescription)")
            #expect(TextNormalization.folded(text) == expected.lowercased(), "\(text.debugDescription)")
        }
    }
}

@Suite struct JSONStringWritingTests {
    /// Strings with escapes at every position of the eight-byte scan (and none) come back as they went.
    @Test func randomStringsRoundTrip() throws {
        let pieces = ["a", "bcdefghij", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", " ", "é", "東京", "👍", "\u{7F}", "~"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...20, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var out: [UInt8] = []
            JSONValue.writeString(text, to: &out)
            let written = String(decoding: out, as: UTF8.self)
            #expect(try JSONParser.parse(written) == .string(text), "\(text.debugDescription)")
            #expect(!written.dropFirst().dropLast().contains { $0.unicodeScalars.first!.value < 0x20 })
            let decoded = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
            #expect(decoded == text)
        }
    }
}

extension JSONStringWritingTests {
    /// The parser's eight-byte scan stops at a raw control character or a missing closing quote wherever it falls.
    @Test func badStringsAreRefusedAtEveryOffset() throws {
        for offset in 0..<20 {
            let padding = String(repeating: "a", count: offset)
            #expect(throws: JSONParseError.self) { try JSONParser.parse("\"" + padding + "\u{1}tail\"") }
            #expect(throws: JSONParseError.self) { try JSONParser.parse("\"" + padding) }
            #expect(try JSONParser.parse("[\"" + padding + "\\\"\"]") == .array([.string(padding + "\"")]))
        }
    }
}

@Suite struct NovaReservedScanTests {
    /// A reserved string is found wherever it stands against the eight-byte steps, in any case; look-alikes are not.
    @Test func foundAtEveryOffset() {
        for offset in 0..<20 {
            let padding = String(repeating: "é", count: offset / 2) + String(repeating: "x", count: offset % 2)
            #expect(TargetConverter.novaReservedString(in: padding + "bot: hi") == "Bot:")
            #expect(TargetConverter.novaReservedString(in: padding + "an [eos] end") == "[EOS]")
            #expect(TargetConverter.novaReservedString(in: padding + "tail <IMAGE>") == "<image>")
            #expect(TargetConverter.novaReservedString(in: padding + "robots: [note] <b> a:b") == nil)
        }
    }
}
