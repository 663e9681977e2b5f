import Foundation
import QuorumTestSupport
import Testing
@testable import QuorumStore

@Suite struct LeftoverSpoolTests {
    /// A server starting removes the spools of exports that died, not the one an export is writing beside it.
    @Test func onlyUnheldSpoolsAreRemoved() throws {
        let folder = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder.path("exports/1"), withIntermediateDirectories: true)
        let running = try Spool(path: folder.path("exports/1/" + ProjectExport.spoolPrefix + "running"))
        _ = try Array("a line\n".utf8).withUnsafeBytes { try running.append($0) }
        try running.flush()
        let dead = try folder.write("exports/1/" + ProjectExport.spoolPrefix + "dead", "left by kill -9\n")
        #expect(ProjectExport.removeLeftoverSpools(under: folder.path("exports")) == 1)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: folder.path("exports/1/" + ProjectExport.spoolPrefix + "running")))
        running.remove()
    }
}
