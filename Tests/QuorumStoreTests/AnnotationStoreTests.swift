import Foundation
import Testing
import QuorumCore
import QuorumTestSupport
@testable import QuorumStore

@Suite struct AnnotationStoreTests {
    func users(_ fixture: StoreFixture, _ names: [String]) throws -> [User] {
        try names.map { try fixture.database.createUser(username: $0, role: .annotator, passwordHash: nil) }
    }

    @Test func countsFollowEveryChange() throws {
        let fixture = try StoreFixture()
        let project = try fixture.database.createProject(name: "Counts", kind: .classify, labels: ["a", "b"], annotatorsPerItem: 2)
        _ = try fixture.importText("one\ntwo\nthree\n", into: project, name: "t.txt")
        let (ann1, ann2) = try { let u = try users(fixture, ["c1", "c2"]); return (u[0], u[1]) }()
        #expect(try fixture.database.summary(of: project).items == 3)

        let (item, _) = try #require(try fixture.database.nextItem(in: project, for: ann1))
        var first = try fixture.database.saveAnnotation(AnnotationInput(status: .draft, labels: ["a"]), item: item, by: ann1)
        #expect(try fixture.database.summary(of: project).annotations == 0)
        first = try fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"], version: first.version), item: item, by: ann1)
        _ = try fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["b"]), item: item, by: ann2)
        var summary = try fixture.database.summary(of: project)
        #expect(summary.annotations == 2 && summary.completeItems == 1)

        _ = try fixture.database.saveAnnotation(AnnotationInput(status: .skipped, version: first.version), item: item, by: ann1)
        summary = try fixture.database.summary(of: project)
        #expect(summary.annotations == 1 && summary.completeItems == 0)

        // One answer per item is enough now: the count is worked out again.
        _ = try fixture.database.updateProject(project, labels: ["a", "b"], multiLabel: false, annotatorsPerItem: 1, guidelines: "")
        #expect(try fixture.database.summary(of: project).completeItems == 1)
        #expect(try fixture.database.projectSummaries().first?.completeItems == 1)
    }

    @Test func aSkippedItemIsNotOfferedAgainButFreesItsSlot() throws {
        let fixture = try StoreFixture()
        let project = try fixture.database.createProject(name: "Skips", kind: .classify, labels: ["a"], annotatorsPerItem: 1)
        _ = try fixture.importText("only\n", into: project, name: "t.txt")
        let u = try users(fixture, ["s1", "s2"])
        let (item, _) = try #require(try fixture.database.nextItem(in: project, for: u[0]))
        #expect(try fixture.database.nextItem(in: project, for: u[1]) == nil)  // leased by s1
        _ = try fixture.database.saveAnnotation(AnnotationInput(status: .skipped), item: item, by: u[0])
        #expect(try fixture.database.nextItem(in: project, for: u[0]) == nil)
        #expect(try fixture.database.nextItem(in: project, for: u[1])?.0.id == item.id)
    }
}
