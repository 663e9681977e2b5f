import Foundation
import Testing
import QuorumCore
import QuorumTestSupport
import GRDB
@testable import QuorumStore

/// A browser import (`staged`): written in short transactions that other saves go between, its items hidden from
/// every list until the end, and nothing left of it when it fails.
@Suite struct StagedImportTests {
    func lines(_ range: ClosedRange<Int>, _ word: String = "text") -> String {
        range.map { "\(word) \($0)" }.joined(separator: "\n") + "\n"
    }

    func stagedImport(_ fixture: StoreFixture, _ project: Project, _ text: String, skipInvalid: Bool = false, maxLineBytes: Int? = nil,
                      duringIt: (() throws -> Void)? = nil) throws -> ImportSummary {
        let path = try fixture.folder.write("upload-\(UUID().uuidString).txt", text)
        var options = ImportOptions(format: .text, fileName: "upload.txt", skipInvalid: skipInvalid)
        if let maxLineBytes { options.maxLineBytes = maxLineBytes }
        var called = false
        return try fixture.database.importItems(into: project, from: .file(path), options: options, staged: true, progress: { _ in
            guard !called else { return }
            called = true
            try? duringIt?()
        })
    }

    func listed(_ fixture: StoreFixture, _ project: Project) throws -> Int {
        try fixture.database.items(in: project, matching: ItemFilter(), after: nil, limit: 100_000).count
    }

    @Test func itemsAppearAllAtOnceAndOtherWritesGoOnMeanwhile() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify, labels: ["a", "b"])
        _ = try fixture.importText(lines(1...10, "first"), into: project, name: "first.txt")
        var seen: (listed: Int, counted: Int, preview: Int64?, exported: Int)?
        var storedMeanwhile = 0
        var wroteMeanwhile = false
        // 30,000 lines: many reading batches, each several transactions.
        let summary = try stagedImport(fixture, project, lines(1...30_000)) {
            // Between two of the import's transactions: a write (as an annotator's save) goes through, and no list
            // of the project's items shows the import's items yet.
            _ = try fixture.database.createUser(username: "meanwhile", role: .annotator, passwordHash: nil)
            wroteMeanwhile = true
            storedMeanwhile = Int(try fixture.rows("SELECT CAST(COUNT(*) AS TEXT) AS n FROM items")[0]["n"]!!)!
            seen = (try listed(fixture, project), try fixture.itemCount(project),
                    try fixture.database.previewItem(in: project, after: 10)?.id,
                    try fixture.database.itemIDs(in: project, selection: "all").count)
        }
        #expect(wroteMeanwhile)
        #expect(storedMeanwhile > 10, "the import had written items (hidden) before its end")
        #expect(seen?.listed == 10 && seen?.counted == 10 && seen?.preview == nil && seen?.exported == 10)
        #expect(summary.committed && summary.imported == 30_000)
        #expect(try listed(fixture, project) == 30_010)
        #expect(try fixture.itemCount(project) == 30_010)
        #expect(try fixture.rows("SELECT CAST(staged_from AS TEXT) AS f, CAST(staging_import AS TEXT) AS i FROM projects WHERE id = \(project.id)")[0]
                    .values.allSatisfy { $0 == nil })
    }

    @Test func aRefusedImportLeavesNothing() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify)
        // A line longer than the limit stops the reading part-way, after transactions were written.
        let text = lines(1...20_000) + String(repeating: "x", count: 5_000) + "\n" + lines(20_001...20_010)
        let error = #expect(throws: StoreError.self) { try stagedImport(fixture, project, text, maxLineBytes: 4_096) }
        #expect(error?.message.hasPrefix("line 20001 is longer than 4 KB") == true)
        #expect(try fixture.rows("SELECT CAST(COUNT(*) AS TEXT) AS n FROM items")[0]["n"]! == "0")
        #expect(try fixture.rows("SELECT CAST(COUNT(*) AS TEXT) AS n FROM imports")[0]["n"]! == "0")
        #expect(try fixture.itemCount(project) == 0)
        // The project takes the next import.
        #expect(try stagedImport(fixture, project, lines(1...5)).imported == 5)
        #expect(try fixture.itemCount(project) == 5)
    }

    @Test func anotherImportWaitsForTheStagedOne() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify)
        var refusal: StoreError?
        _ = try stagedImport(fixture, project, lines(1...10_000)) {
            do { _ = try fixture.importText("other\n", into: project, name: "other.txt") } catch let error as StoreError { refusal = error }
        }
        #expect(refusal?.message.contains("is under way") == true)
        #expect(try fixture.itemCount(project) == 10_000)
    }

    @Test func aServerStartingAgainDiscardsAnImportItsStopCutShort() throws {
        let fixture = try StoreFixture()
        let project = try fixture.project(.classify)
        _ = try fixture.importText(lines(1...3), into: project, name: "kept.txt")
        // What a server stopped mid-import leaves: the import's row, its hidden items, the project marked.
        try fixture.database.writer.write { db in
            try db.execute(sql: "INSERT INTO imports (project_id, file_name, format, sha256, imported, duplicates, rejected, created_at) VALUES (?, 'cut.txt', 'text', '', 0, 0, 0, '')",
                           arguments: [project.id])
            let importID = db.lastInsertedRowID
            try db.execute(sql: "UPDATE projects SET staged_from = (SELECT MAX(id) + 1 FROM items), staging_import = ? WHERE id = ?", arguments: [importID, project.id])
            for n in 1...5 {
                try db.execute(sql: "INSERT INTO items (project_id, input, input_hash, import_id, created_at) VALUES (?, ?, ?, ?, '')",
                               arguments: [project.id, #"{"text":"cut \#(n)"}"#, Data([UInt8(n)]), importID])
            }
        }
        #expect(try listed(fixture, project) == 3)
        #expect(try fixture.database.discardUnfinishedImports() == 1)
        #expect(try fixture.rows("SELECT CAST(COUNT(*) AS TEXT) AS n FROM items")[0]["n"]! == "3")
        #expect(try fixture.itemCount(project) == 3)
        #expect(try fixture.rows("SELECT file_name FROM imports").map { $0["file_name"]! } == ["kept.txt"])
        #expect(try stagedImport(fixture, project, lines(4...6)).imported == 3)
        #expect(try listed(fixture, project) == 6)
    }
}
