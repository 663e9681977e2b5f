import Foundation
import Testing
import QuorumCore
import QuorumTestSupport
import GRDB
@testable import QuorumStore

/// Imports through the real store into a real SQLite file in a temporary folder.
struct StoreFixture {
    let folder: TemporaryDirectory
    let database: AppDatabase

    init() throws {
        folder = try TemporaryDirectory()
        database = try AppDatabase(path: folder.path("quorum.db"))
    }

    func project(_ kind: ProjectKind, labels: [String] = [], name: String? = nil) throws -> Project {
        try database.createProject(name: name ?? "p-\(kind.rawValue)-\(UUID().uuidString.prefix(6))", kind: kind, labels: labels)
    }

    func importText(_ text: String, into project: Project, name: String, format: ImportFormat = .auto, skipInvalid: Bool = false) throws -> ImportSummary {
        let path = try folder.write(name, text)
        return try database.importItems(into: project, from: .file(path), options: ImportOptions(format: format, fileName: name, skipInvalid: skipInvalid))
    }

    func itemCount(_ project: Project) throws -> Int {
        try database.projectSummaries().first { $0.project.id == project.id }?.items ?? -1
    }

    func rows(_ sql: String) throws -> [[String: String?]] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0] as String?) })
            }
        }
    }
}

@Suite struct ImportTests {
    let chatLines = [
        #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi 👋"}, {"role": "assistant", "content": "Hello!", "weight": 1}]}"#,
        #"{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{\"a\":2}"}}]}], "tools": [{"type": "function", "function": {"name": "add"}}]}"#,
    ]

    @Test func chatLinesAreStoredByteForByte() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.chat)
        let summary = try fixture.importText(chatLines.joined(separator: "\n") + "\n", into: project, name: "chat.jsonl")
        #expect(summary.imported == 2)
        #expect(summary.format == .chat)
        let inputs = try fixture.rows("SELECT input FROM items ORDER BY id").map { $0["input"]! }
        #expect(inputs == chatLines)
    }

    @Test func oneBadLineWritesNothing() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.chat)
        let text = chatLines[0] + "\n" + #"{"messages": [{"role": "robot", "content": "x"}]}"# + "\n" + chatLines[1] + "\n"
        let summary = try fixture.importText(text, into: project, name: "chat.jsonl")
        #expect(!summary.committed)
        #expect(summary.errors.map(\.description) == [#"2:messages[0].role: unknown role "robot" (use system, user, assistant or tool)"#])
        #expect(try fixture.itemCount(project) == 0)
        #expect(try fixture.rows("SELECT id FROM imports").isEmpty)

        let skipping = try fixture.importText(text, into: project, name: "chat.jsonl", skipInvalid: true)
        #expect(skipping.committed && skipping.imported == 2 && skipping.rejected == 1)
        #expect(try fixture.itemCount(project) == 2)
    }

    /// Enough lines for many batches read side by side: items keep the file's order, errors their line numbers,
    /// and a duplicate late in the file is still found.
    @Test func aFileOfManyBatchesKeepsItsOrderAndLineNumbers() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.chat)
        var lines = (1...30_000).map { #"{"messages": [{"role": "user", "content": "question \#($0)"}, {"role": "assistant", "content": "answer"}]}"# }
        lines[20_000] = #"{"messages": [{"role": "robot", "content": "x"}]}"#
        lines[25_000] = lines[3]
        lines.insert("", at: 10_000)  // a blank line: skipped, but it counts for the line numbers after it
        let text = lines.joined(separator: "\n") + "\n"
        let refused = try fixture.importText(text, into: project, name: "many.jsonl")
        #expect(!refused.committed)
        #expect(refused.errors.map(\.line) == [20_002])
        #expect(try fixture.itemCount(project) == 0)

        let summary = try fixture.importText(text, into: project, name: "many.jsonl", skipInvalid: true)
        #expect(summary.imported == 29_998 && summary.duplicates == 1 && summary.rejected == 1)
        let contents = try fixture.rows("SELECT input FROM items ORDER BY id").map { try JSONParser.parse($0["input"]!!)["messages"]?.arrayValue?[0]["content"]?.stringValue }
        let expected = (1...30_000).filter { $0 != 20_001 && $0 != 25_001 }.map { "question \($0)" }
        #expect(contents == expected)
    }

    @Test func reimportAddsNothing() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.chat)
        _ = try fixture.importText(chatLines.joined(separator: "\n"), into: project, name: "a.jsonl")
        // The same conversations with other spacing and a CRLF file: still duplicates.
        let respaced = chatLines.map { $0.replacingOccurrences(of: "Hi 👋", with: "  Hi   👋 ") }.joined(separator: "\r\n")
        let again = try fixture.importText(respaced, into: project, name: "b.jsonl")
        #expect(again.imported == 0 && again.duplicates == 2)
        #expect(try fixture.itemCount(project) == 2)
    }

    @Test func gzipFilesStreamIn() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.chat)
        let plain = try fixture.folder.write("c.jsonl", chatLines.joined(separator: "\n"))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        let summary = try fixture.database.importItems(into: project, from: .file(plain + ".gz"), options: ImportOptions(fileName: "c.jsonl.gz"))
        #expect(summary.imported == 2)
        #expect(summary.format == .chat)
    }

    @Test func textFilesOneItemPerNonBlankLine() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify)
        let summary = try fixture.importText("first  line \n\n   \nsecond\n", into: project, name: "notes.txt")
        #expect(summary.imported == 2)
        #expect(try fixture.rows("SELECT input FROM items ORDER BY id").map { $0["input"]! } == [#"{"text":"first  line "}"#, #"{"text":"second"}"#])
    }

    @Test func labelStudioBringsItsAnnotatorsAlong() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify, labels: ["pos", "neg"])
        let export = """
            [{"id": 11, "data": {"text": "great"}, "annotations": [
                {"completed_by": {"id": 1, "email": "a@x.org"}, "result": [{"type": "choices", "value": {"choices": ["pos"]}}]},
                {"completed_by": 2, "result": [{"type": "choices", "value": {"choices": ["neg"]}}]}]},
             {"id": 12, "data": {"text": "awful"}, "annotations": [
                {"completed_by": 2, "result": [{"type": "choices", "value": {"choices": ["neg"]}}]}]}]
            """
        let summary = try fixture.importText(export, into: project, name: "export.json")
        #expect(summary.imported == 2 && summary.annotations == 3)
        let users = try fixture.database.users()
        #expect(users.map(\.username) == ["label-studio:a@x.org", "label-studio-2"])
        #expect(users.allSatisfy { $0.disabled })
        #expect(try fixture.database.members(of: project).count == 2)
        let annotations = try fixture.rows("SELECT labels, status FROM annotations ORDER BY id")
        #expect(annotations.map { $0["labels"]! } == [#"["pos"]"#, #"["neg"]"#, #"["neg"]"#])
        #expect(try fixture.rows("SELECT action FROM annotation_events").count == 3)
        // Importing the export again adds neither items nor annotations.
        let again = try fixture.importText(export, into: project, name: "export.json")
        #expect(again.imported == 0 && again.annotations == 0)
    }

    @Test func spanTextsWithHardUnicodeRoundTripThroughTheStore() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.spans, labels: ["X"])
        let text = "👩‍👩‍👧‍👦 🇫🇷 𠮷野 cafe\u{301} नमस्ते"
        let scalars = Array(text.unicodeScalars)
        let line = JSONValue.object([(key: "text", value: .string(text)),
                                     (key: "label", value: [[.int(0), .int(7), "X"], [.int(11), .int(13), "X"], [.int(14), .int(19), "X"]])])
        let summary = try fixture.importText(line.jsonText, into: project, name: "d.jsonl")
        #expect(summary.imported == 1)
        let suggestions = try fixture.rows("SELECT suggestions FROM items")[0]["suggestions"]!
        let stored = try JSONParser.parse(try #require(suggestions))
        let spans = try #require(stored["spans"]?.arrayValue)
        for span in spans {
            let start = try #require(span["start"]?.intValue), end = try #require(span["end"]?.intValue)
            #expect(span["text"]?.stringValue == String(String.UnicodeScalarView(scalars[start..<end])))
        }
        #expect(spans.map { $0["text"]?.stringValue } == ["👩‍👩‍👧‍👦", "𠮷野", "cafe\u{301}"])
    }
}

@Suite struct SharedDataTests {
    @Test func banking77ImportsEveryRecord() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify)
        let summary = try fixture.database.importItems(
            into: project, from: .file(Repository.sharedData("banking77/train.csv")), options: ImportOptions(fileName: "train.csv"))
        // 10,003 records: four differ from another only by leading/trailing line breaks, so they are duplicates.
        #expect(summary.imported + summary.duplicates == 10_003)
        #expect(summary.duplicates == 4)
        #expect(summary.rejected == 0)
        #expect(summary.labelColumn == "category")
        let stored = try fixture.database.project(String(project.id))
        #expect(stored?.labels.count == 77)
    }

    @Test func wnut17SentencesBecomeItemsWithTheirEntities() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.spans)
        let path = Repository.sharedData("wnut17/train.conll")
        let summary = try fixture.database.importItems(into: project, from: .file(path), options: ImportOptions(fileName: "train.conll"))
        #expect(summary.imported == 3_291)
        #expect(summary.duplicates == 103)
        let stored = try fixture.database.project(String(project.id))
        #expect(Set(stored?.labels ?? []) ==
                ["person", "location", "group", "creative-work", "corporation", "product"])

        // Every stored span's text is text[start:end] and equals its tokens joined by spaces.
        var expected: [String: [String]] = [:]
        var tokens: [String] = [], entities: [String] = [], current: [String] = []
        func closeEntity() { if !current.isEmpty { entities.append(current.joined(separator: " ")); current = [] } }
        for line in try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n") + [""] {
            let fields = line.split(separator: "\t").map(String.init)
            if fields.count < 2 {
                closeEntity()
                // A repeated sentence keeps the tags of its first occurrence, as the import does.
                if !tokens.isEmpty, expected[tokens.joined(separator: " ")] == nil { expected[tokens.joined(separator: " ")] = entities }
                tokens = []; entities = []
                continue
            }
            tokens.append(fields[0])
            if fields[1] == "O" || fields[1].hasPrefix("B-") { closeEntity() }
            if fields[1] != "O" { current.append(fields[0]) }
        }
        var checked = 0
        for row in try fixture.rows("SELECT input, suggestions FROM items") {
            let text = try #require(JSONParser.parse(row["input"]!!)["text"]?.stringValue)
            let scalars = Array(text.unicodeScalars)
            let spans = row["suggestions"]!.flatMap { try? JSONParser.parse($0)["spans"]?.arrayValue } ?? []
            for span in spans {
                let start = try #require(span["start"]?.intValue), end = try #require(span["end"]?.intValue)
                #expect(span["text"]?.stringValue == String(String.UnicodeScalarView(scalars[start..<end])))
            }
            #expect(spans.compactMap { $0["text"]?.stringValue } == expected[text])
            checked += 1
        }
        #expect(checked == 3_291)
    }
}
