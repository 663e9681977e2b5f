import Foundation
import GRDB
import Testing
import QuorumCore
import QuorumTestSupport
@testable import QuorumStore

/// Import → answers by several people → export, read back and checked with the validator `quorum validate` uses.
@Suite struct ExportTests {
    let fixture: StoreFixture

    init() throws { fixture = try StoreFixture() }

    func annotators(_ names: [String]) throws -> [User] {
        try names.map { try fixture.database.createUser(username: $0, role: .annotator, passwordHash: nil) }
    }

    func items(_ project: Project) throws -> [Item] {
        try fixture.database.writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM items WHERE project_id = ? ORDER BY id", arguments: [project.id]) }
            .map { try #require(try fixture.database.item(id: $0)?.0) }
    }

    func submit(_ item: Item, by user: User, _ input: AnnotationInput) async throws {
        var input = input
        input.status = .submitted
        try fixture.database.addMember(project: try #require(try fixture.database.project(id: item.projectID)), user: user)
        try fixture.database.handOut(item.id, to: user)
        _ = try await fixture.database.saveAnnotation(input, itemID: item.id, by: user)
    }

    func export(_ project: Project, _ settings: ExportSettings, into name: String) throws -> ExportReport {
        try ProjectExport(database: fixture.database, project: try #require(try fixture.database.project(String(project.id))),
                          settings: settings, directory: fixture.folder.path(name), counter: EstimatedTokenCounter()).run(by: nil).report
    }

    func lines(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: fixture.folder.path(path), encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// What `quorum validate FILE` would say of a file.
    func validate(_ path: String) throws -> ValidationReport {
        let validator = DatasetValidator(options: try ValidationOptions(), counter: EstimatedTokenCounter())
        let text = try String(contentsOfFile: fixture.folder.path(path), encoding: .utf8)
        validator.add(batch: text.split(separator: "\n").enumerated().map { ($0.offset + 1, String($0.element)) }, workers: 2)
        return validator.finish()
    }

    static func chat(_ user: String, _ answer: String, extra: String = "") -> String {
        #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "\#(user)"}, {"role": "assistant", "content": "\#(answer)"\#(extra)}]}"#
    }

    @Test func chatCorrectionsExportAsChatAndAsPreferencePairs() async throws {
        let project = try fixture.database.createProject(name: "Replies", kind: .chat, annotatorsPerItem: 2)
        var file = (0..<14).map { Self.chat("question \($0)", "answer \($0)") }
        file[0] = Self.chat("question 0", "answer 0", extra: #", "weight": 1"#).dropLast() + #", "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}"#
        _ = try fixture.importText(file.joined(separator: "\n") + "\n", into: project, name: "c.jsonl")
        let (ana, ben) = try { let u = try annotators(["ana", "ben"]); return (u[0], u[1]) }()
        let all = try items(project)
        for (i, item) in all.enumerated() {
            var messages = try #require(item.input["messages"]?.arrayValue)
            switch i {
            case 12:  // they disagree: left out
                try await submit(item, by: ana, AnnotationInput(status: .submitted, decision: .accept))
                messages[2] = ["role": "assistant", "content": "something else"]
                try await submit(item, by: ben, AnnotationInput(status: .submitted, decision: .accept, messages: .array(messages)))
            case 13:  // both reject: left out
                try await submit(item, by: ana, AnnotationInput(status: .submitted, decision: .reject))
                try await submit(item, by: ben, AnnotationInput(status: .submitted, decision: .reject))
            default:  // both correct the answer the same way (keeping the message's other keys)
                if case .object(var members) = messages[2] {
                    members[1].value = .string("Better answer \(i).")
                    messages[2] = .object(members)
                }
                try await submit(item, by: ana, AnnotationInput(status: .submitted, decision: .accept, messages: .array(messages)))
                try await submit(item, by: ben, AnnotationInput(status: .submitted, decision: .accept, messages: .array(messages)))
            }
        }
        let report = try export(project, ExportSettings(), into: "chat")
        #expect(report.count == (12, 0, 0))
        #expect(report.plan.excludedByReason.map(\.reason) == [.noConsensus, .rejected])
        #expect(try validate("chat/train.jsonl").errorCount == 0)
        let exported = try lines("chat/train.jsonl")
        let first = try #require(exported.first { $0["messages"]?.arrayValue?[1]["content"] == "question 0" })
        #expect(first["tools"] != nil)
        #expect(first["messages"]?.arrayValue?[2] == ["role": "assistant", "content": "Better answer 0.", "weight": 1])
        #expect(report.plan.authors.map(\.name) == ["ana", "ben"])

        let pairs = try export(project, ExportSettings(format: .dpo), into: "dpo")
        #expect(pairs.count.train == 12)
        #expect(try validate("dpo/train.jsonl").errorCount == 0)
        let pair = try #require(try lines("dpo/train.jsonl").first { $0["input"]?["messages"]?.arrayValue?[1]["content"] == "question 0" })
        #expect(pair["preferred_output"] == [["role": "assistant", "content": "Better answer 0."]])
        #expect(pair["non_preferred_output"] == [["role": "assistant", "content": "answer 0"]])
        #expect(pair["input"]?["tools"] != nil)
        #expect(pair["input"]?["messages"]?.arrayValue?.count == 2)
    }

    func classifyProject(items count: Int, name: String = "Tickets") async throws -> (Project, [Item], User) {
        let project = try fixture.database.createProject(name: name, kind: .classify, labels: ["billing", "account", "other"])
        _ = try fixture.importText((0..<count).map { "ticket number \($0)" }.joined(separator: "\n") + "\n", into: project, name: "t.txt")
        let user = try annotators(["cleo"])[0]
        let all = try items(project)
        for (i, item) in all.enumerated() {
            try await submit(item, by: user, AnnotationInput(status: .submitted, labels: [["billing", "account", "other"][i % 3]]))
        }
        return (project, all, user)
    }

    @Test func sameDataSameSettingsSameBytes() async throws {
        let (project, _, _) = try await classifyProject(items: 40)
        let settings = ExportSettings(validationFraction: 0.25, holdout: 4, seed: 7)
        let a = try export(project, settings, into: "a")
        let b = try export(project, settings, into: "b")
        for name in ["train.jsonl", "validation.jsonl", "holdout.jsonl", "report.json", "report.md"] {
            #expect(FileManager.default.contents(atPath: fixture.folder.path("a/" + name)) == FileManager.default.contents(atPath: fixture.folder.path("b/" + name)), "\(name)")
        }
        #expect(a.files.map(\.sha256) == b.files.map(\.sha256))
        // Stratified: each label keeps its share in validation (12 or 13 of each label in 36 → 3 each).
        #expect(a.count == (27, 9, 4))
        #expect(a.plan.balance.allSatisfy { ($0.counts[.validation] ?? 0) == 3 })
        #expect(try validate("a/train.jsonl").errorCount == 0)
        // Another seed, another draw.
        let c = try export(project, ExportSettings(validationFraction: 0.25, seed: 8), into: "c")
        #expect(c.files.first?.sha256 != a.files.first?.sha256)
    }

    @Test func theHoldOutSetStaysApartAcrossExports() async throws {
        let (project, _, user) = try await classifyProject(items: 30)
        _ = try export(project, ExportSettings(validationFraction: 0.1, holdout: 5, seed: 1), into: "first")
        let held = Set(try lines("first/holdout.jsonl").map { $0["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" })
        #expect(held.count == 5)

        // New items and answers arrive; another seed and a bigger validation share must not move the held-out items.
        _ = try fixture.importText((30..<50).map { "ticket number \($0)" }.joined(separator: "\n") + "\n", into: project, name: "more.txt")
        for item in try items(project).dropFirst(30) { try await submit(item, by: user, AnnotationInput(status: .submitted, labels: ["other"])) }
        let second = try export(project, ExportSettings(validationFraction: 0.3, seed: 99), into: "second")
        #expect(second.count.holdout == 5)
        let heldAgain = Set(try lines("second/holdout.jsonl").map { $0["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" })
        #expect(heldAgain == held)
        let trained = try (lines("second/train.jsonl") + lines("second/validation.jsonl")).map { $0["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" }
        #expect(trained.count == 45)
        #expect(held.isDisjoint(with: trained))
        // Asking for more tops the set up; the first five stay in it.
        let third = try export(project, ExportSettings(holdout: 8, seed: 3), into: "third")
        #expect(third.count.holdout == 8)
        #expect(held.isSubset(of: Set(try lines("third/holdout.jsonl").map { $0["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" })))
    }

    /// Two exports drawing the hold-out set at once (the command line and the browser): the one that records second
    /// finds the set changed since it read it, keeps nothing of its draw and leaves no files, so none of the other's
    /// held-out items reaches its train file; exported again, it takes the set as it now is.
    @Test func anExportWhoseHoldOutWasDrawnMeanwhileKeepsNothing() async throws {
        let (project, _, _) = try await classifyProject(items: 30)
        let late = ProjectExport(database: fixture.database, project: try #require(try fixture.database.project(String(project.id))),
                                 settings: ExportSettings(holdout: 5, seed: 1), directory: fixture.folder.path("late"), counter: EstimatedTokenCounter())
        var early: ExportReport?
        do {
            _ = try late.run(by: nil) { _, _ in
                // Another export, begun and done while this one reads.
                if early == nil { early = try? export(project, ExportSettings(holdout: 5, seed: 2), into: "early") }
            }
            Issue.record("the late export was recorded")
        } catch let error as ExportError {
            #expect(error.message.hasPrefix("the hold-out set changed while this ran (0 items held out when it read them, 5 now"))
        }
        #expect(early?.count.holdout == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path("late")).isEmpty)
        #expect(try fixture.database.exports(of: project).count == 1)
        let held = Set(try lines("early/holdout.jsonl").map { $0["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" })
        _ = try export(project, ExportSettings(holdout: 5, seed: 1), into: "again")
        #expect(Set(try lines("again/holdout.jsonl").map { $0["messages"]?.arrayValue?[1]["content"]?.stringValue ?? "" }) == held)
    }

    @Test func contradictionsAndDuplicatesAreLeftOutAndListed() async throws {
        let project = try fixture.database.createProject(name: "Faq", kind: .chat)
        var file = (0..<12).map { Self.chat("faq \($0)", "reply \($0)") }
        file.append(Self.chat("What are your hours?", "We open at 9."))
        file.append(Self.chat("what are your hours?", "We open at 10."))  // same prompt (case aside), another answer
        file.append(Self.chat("Where are you?", "In Lyon."))
        file.append(Self.chat("Where are you?", "In Paris."))   // corrected below into a copy of the one before
        _ = try fixture.importText(file.joined(separator: "\n") + "\n", into: project, name: "f.jsonl")
        let user = try annotators(["dana"])[0]
        let all = try items(project)
        for item in all {
            var input = AnnotationInput(status: .submitted, decision: .accept)
            if item.input["messages"]?.arrayValue?[2]["content"] == "In Paris." {
                input.messages = try JSONParser.parse(#"[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where are you?"}, {"role": "assistant", "content": "In Lyon."}]"#)
            }
            try await submit(item, by: user, input)
        }
        let report = try export(project, ExportSettings(), into: "out")
        #expect(report.count.train == 13)
        #expect(report.plan.duplicates.count == 1)
        #expect(report.plan.duplicates[0].kept == all[14].id && report.plan.duplicates[0].removed == [all[15].id])
        #expect(report.contradictions.count == 1)
        #expect(Set(report.contradictions[0].map(\.answer)) == ["We open at 9.", "We open at 10."])
        let reasons = Dictionary(report.plan.excluded.map { ($0.itemID, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons == [all[12].id: .contradiction, all[13].id: .contradiction, all[15].id: .duplicate])
        #expect(try validate("out/train.jsonl").duplicates.isEmpty)
        let json = try JSONParser.parse(String(contentsOfFile: fixture.folder.path("out/report.json"), encoding: .utf8))
        #expect(json["excluded"]?["by_reason"] == ["duplicate": 1, "contradiction": 2])
        #expect(json["excluded"]?["items"]?.arrayValue?.count == 3)
        #expect(try String(contentsOfFile: fixture.folder.path("out/report.md"), encoding: .utf8).contains("We open at 10."))

        let kept = try export(project, ExportSettings(keepContradictions: true), into: "kept")
        #expect(kept.count.train == 15)
        #expect(kept.warnings.contains { $0.contains("contradictions kept") })
    }

    @Test func spanOffsetsRoundTripInCodePoints() async throws {
        let project = try fixture.database.createProject(name: "Ents", kind: .spans, labels: ["PER", "LOC"], annotatorsPerItem: 2)
        let texts: [(String, [(String, String)])] = [
            ("👩‍👩‍👧‍👦 Marie lives in Paris 🇫🇷", [("Marie", "PER"), ("Paris", "LOC")]),
            ("𠮷野家 is near Tōkyō, said 𠮷田", [("Tōkyō", "LOC"), ("𠮷田", "PER")]),
            ("يعيش أحمد في القاهرة", [("أحمد", "PER"), ("القاهرة", "LOC")]),
            ("राम दिल्ली में रहता है", [("राम", "PER"), ("दिल्ली", "LOC")]),
            ("Rene\u{301}e went to Bogota\u{301}", [("Rene\u{301}e", "PER"), ("Bogota\u{301}", "LOC")]),
        ]
        var expected: [String: [Span]] = [:]
        var file = ""
        for (text, entities) in texts {
            let scalars = Array(text.unicodeScalars)
            var spans: [Span] = []
            for (entity, label) in entities {
                let needle = Array(entity.unicodeScalars)
                let start = try #require((0...(scalars.count - needle.count)).first { Array(scalars[$0..<($0 + needle.count)]) == needle })
                spans.append(Span(start: start, end: start + needle.count, label: label, text: entity))
            }
            expected[text] = spans
            file += (["text": .string(text), "label": .array(spans.map { [.int($0.start), .int($0.end), .string($0.label)] })] as JSONValue).jsonText + "\n"
        }
        _ = try fixture.importText(file, into: project, name: "e.jsonl", format: .doccano)
        // Two annotators mark the same spans (in another order, one of them): consensus, then export.
        let (eve, max) = try { let u = try annotators(["eve", "max"]); return (u[0], u[1]) }()
        for item in try items(project) {
            let suggested = item.suggestions["spans"]?.arrayValue?.compactMap(Span.init(json:)) ?? []
            try await submit(item, by: eve, AnnotationInput(status: .submitted, spans: suggested))
            try await submit(item, by: max, AnnotationInput(status: .submitted, spans: suggested.reversed()))
        }
        for format in [ExportFormat.doccano, .spacy] {
            _ = try export(project, ExportSettings(format: format), into: format.rawValue)
            for line in try lines("\(format.rawValue)/train.jsonl") {
                let text = try #require(line["text"]?.stringValue)
                let codePoints = CodePointText(text)
                let spans: [Span] = format == .doccano
                    ? try #require(line["label"]?.arrayValue).map { Span(start: $0.arrayValue![0].intValue!, end: $0.arrayValue![1].intValue!, label: $0.arrayValue![2].stringValue!, text: "") }
                    : try #require(line["spans"]?.arrayValue).map { Span(start: $0["start"]!.intValue!, end: $0["end"]!.intValue!, label: $0["label"]!.stringValue!, text: "") }
                let want = try #require(expected[text])
                #expect(spans.map { [$0.start, $0.end] } == want.map { [$0.start, $0.end] }, "\(format) \(text)")
                #expect(spans.map { codePoints.slice($0.start, $0.end) } == want.map(\.text))
            }
            // And back in, auto-detected: every span of every item arrives as it left.
            let again = try fixture.database.createProject(name: "Back from \(format.rawValue)", kind: .spans)
            let summary = try fixture.database.importItems(into: again, from: .file(fixture.folder.path("\(format.rawValue)/train.jsonl")),
                                                           options: ImportOptions(fileName: "train.jsonl"))
            #expect(summary.format == (format == .doccano ? .doccano : .spacy))
            #expect(summary.imported == texts.count)
            for item in try items(again) {
                let text = try #require(item.input["text"]?.stringValue)
                let spans = item.suggestions["spans"]?.arrayValue?.compactMap(Span.init(json:)) ?? []
                #expect(spans == expected[text], "\(format) round trip of \(text)")
            }
        }
        _ = try export(project, ExportSettings(format: .conll), into: "conll")
        let conll = try String(contentsOfFile: fixture.folder.path("conll/train.conll"), encoding: .utf8)
        #expect(conll.contains("Marie\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n🇫🇷\tO\n"))
    }

    @Test func spansBecomeAnEntityListInChatFormat() async throws {
        let project = try fixture.database.createProject(name: "NER", kind: .spans, labels: ["ORG", "PER"])
        _ = try fixture.importText((0..<10).map { "Person\($0) works at Acme\($0)" }.joined(separator: "\n") + "\n", into: project, name: "t.txt")
        let user = try annotators(["finn"])[0]
        for (i, item) in try items(project).enumerated() {
            let text = "Person\(i) works at Acme\(i)"
            let org = text.unicodeScalars.count - 5
            try await submit(item, by: user, AnnotationInput(status: .submitted, spans: [
                Span(start: org, end: text.unicodeScalars.count, label: "ORG", text: "Acme\(i)"),
                Span(start: 0, end: 7, label: "PER", text: "Person\(i)"),
            ]))
        }
        let report = try export(project, ExportSettings(), into: "ner")
        #expect(report.count.train == 10)
        #expect(try validate("ner/train.jsonl").errorCount == 0)
        let line = try #require(try lines("ner/train.jsonl").first { $0["messages"]?.arrayValue?[1]["content"] == "Person3 works at Acme3" })
        let messages = try #require(line["messages"]?.arrayValue)
        #expect(messages[0]["content"]?.stringValue?.contains("ORG, PER") == true)
        #expect(messages[2]["content"] == #"{"entities":[{"text":"Person3","type":"PER"},{"text":"Acme3","type":"ORG"}]}"#)
        #expect(report.plan.balance.map(\.label) == ["ORG", "PER"])

        // The project's own system prompt replaces the default one.
        let prompted = try fixture.database.updateProject(project, labels: ["ORG", "PER"], multiLabel: false, annotatorsPerItem: 1,
                                                          guidelines: "", systemPrompt: "List the people and companies.")
        _ = try export(prompted, ExportSettings(), into: "prompted")
        #expect(try lines("prompted/train.jsonl").allSatisfy { $0["messages"]?.arrayValue?[0]["content"] == "List the people and companies." })
    }

    @Test func goldWinsAndNothingIsWrittenWhenTheResultIsEmpty() async throws {
        let (project, all, _) = try await classifyProject(items: 12)
        let lead = try fixture.database.createUser(username: "lee", role: .lead, passwordHash: nil)
        try fixture.database.setGold(.labels(["other"]), for: all[0], source: .lead, by: lead)
        try fixture.database.setGold(.rejected, for: all[1], source: .lead, by: lead)
        let report = try export(project, ExportSettings(format: .csv), into: "gold")
        #expect(report.count.train == 11)
        #expect(report.plan.excluded.map(\.reason) == [.rejected])
        let csv = try String(contentsOfFile: fixture.folder.path("gold/train.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("text,label\n"))
        #expect(csv.contains("ticket number 0,other\n"))
        #expect(report.plan.authors.contains { $0.name == "lee" && $0.answers == 1 })

        let empty = try fixture.database.createProject(name: "Empty", kind: .classify, labels: ["a"])
        _ = try fixture.importText("x\ny\n", into: empty, name: "e.txt")
        #expect(throws: ExportError.self) { try export(empty, ExportSettings(), into: "empty") }
        #expect(!FileManager.default.fileExists(atPath: fixture.folder.path("empty/train.jsonl")))
        #expect(try fixture.database.exports(of: empty).isEmpty)
        #expect(try fixture.database.exports(of: project).count == 1)
    }
}
