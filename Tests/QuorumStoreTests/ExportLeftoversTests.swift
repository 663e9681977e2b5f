import Foundation
import QuorumTestSupport
import Testing
@testable import QuorumStore

@Suite struct ExportLeftoversTests {
    /// A server starting removes what exports that died left (their spools, their `.partial` files, the browser
    /// export's folder they leave empty), not what an export running beside it is writing, nor a finished export.
    @Test func onlyWhatDeadExportsLeftIsRemoved() throws {
        let folder = try TemporaryDirectory()
        let fm = FileManager.default
        for name in ["running", "dead", "finished"] {
            try fm.createDirectory(atPath: folder.path("exports/\(name)"), withIntermediateDirectories: true)
        }
        let running = try Spool(path: folder.path("exports/running/" + ProjectExport.spoolPrefix + "running"))
        _ = try Array("a line\n".utf8).withUnsafeBytes { try running.append($0) }
        try running.flush()
        let writing = try folder.write("exports/running/train.jsonl.partial", "{}\n")
        _ = try folder.write("exports/dead/" + ProjectExport.spoolPrefix + "dead", "left by kill -9\n")
        _ = try folder.write("exports/dead/train.jsonl.partial", "{}\n")
        let finished = try folder.write("exports/finished/train.jsonl", "{}\n")
        let stale = try folder.write("exports/finished/validation.jsonl.partial", "{}\n")

        #expect(ProjectExport.removeLeftovers(under: folder.path("exports")) == 3)
        #expect(!fm.fileExists(atPath: folder.path("exports/dead")))
        #expect(!fm.fileExists(atPath: stale) && fm.fileExists(atPath: finished))
        #expect(fm.fileExists(atPath: writing))
        #expect(fm.fileExists(atPath: folder.path("exports/running/" + ProjectExport.spoolPrefix + "running")))
        running.remove()
    }
}
