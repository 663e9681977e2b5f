import Foundation
import Testing
import QuorumCore
import QuorumTestSupport
@testable import QuorumStore

@Suite struct AnnotationStoreTests {
    /// Annotators, members of `project`.
    func users(_ fixture: StoreFixture, _ names: [String], of project: Project) throws -> [User] {
        try names.map {
            let user = try fixture.database.createUser(username: $0, role: .annotator, passwordHash: nil)
            try fixture.database.addMember(project: project, user: user)
            return user
        }
    }

    @Test func countsFollowEveryChange() async throws {
        let fixture = try StoreFixture()
        let project = try fixture.database.createProject(name: "Counts", kind: .classify, labels: ["a", "b"], annotatorsPerItem: 2)
        _ = try fixture.importText("one\ntwo\nthree\n", into: project, name: "t.txt")
        let (ann1, ann2) = try { let u = try users(fixture, ["c1", "c2"], of: project); return (u[0], u[1]) }()
        #expect(try fixture.database.summary(of: project).items == 3)

        let (item, _, _) = try #require(try await fixture.database.nextItem(in: project, for: ann1))
        var first = try await fixture.database.saveAnnotation(AnnotationInput(status: .draft, labels: ["a"]), itemID: item.id, by: ann1).annotation
        #expect(try fixture.database.summary(of: project).annotations == 0)
        first = try await fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"], version: first.version), itemID: item.id, by: ann1).annotation
        #expect(try await fixture.database.nextItem(in: project, for: ann2)?.0.id == item.id)
        _ = try await fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["b"]), itemID: item.id, by: ann2).annotation
        var summary = try fixture.database.summary(of: project)
        #expect(summary.annotations == 2 && summary.completeItems == 1)
        #expect(try fixture.database.progress(in: project, of: ann1) == AnnotatorProgress(mine: 1, complete: 1, items: 3))

        _ = try await fixture.database.saveAnnotation(AnnotationInput(status: .skipped, version: first.version), itemID: item.id, by: ann1).annotation
        summary = try fixture.database.summary(of: project)
        #expect(summary.annotations == 1 && summary.completeItems == 0)
        #expect(try fixture.database.progress(in: project, of: ann1).mine == 0)
        #expect(try fixture.database.progress(in: project, of: ann2).mine == 1)

        // One answer per item is enough now: the count is worked out again.
        _ = try fixture.database.updateProject(project, labels: ["a", "b"], multiLabel: false, annotatorsPerItem: 1, guidelines: "")
        #expect(try fixture.database.summary(of: project).completeItems == 1)
        #expect(try fixture.database.projectSummaries().first?.completeItems == 1)
    }

    @Test func aSkippedItemIsNotOfferedAgainButFreesItsSlot() async throws {
        let fixture = try StoreFixture()
        let project = try fixture.database.createProject(name: "Skips", kind: .classify, labels: ["a"], annotatorsPerItem: 1)
        _ = try fixture.importText("only\n", into: project, name: "t.txt")
        let u = try users(fixture, ["s1", "s2"], of: project)
        let (item, _, _) = try #require(try await fixture.database.nextItem(in: project, for: u[0]))
        #expect(try await fixture.database.nextItem(in: project, for: u[1]) == nil)  // leased by s1
        _ = try await fixture.database.saveAnnotation(AnnotationInput(status: .skipped), itemID: item.id, by: u[0]).annotation
        #expect(try await fixture.database.nextItem(in: project, for: u[0]) == nil)
        #expect(try await fixture.database.nextItem(in: project, for: u[1])?.0.id == item.id)
    }

    /// Answers saved at once share transactions (`WriteBatcher`): each is stored or refused on its own, and a
    /// refused one leaves nothing behind.
    @Test func answersSavedTogetherSucceedOrFailEachOnItsOwn() async throws {
        let fixture = try StoreFixture()
        let project = try fixture.database.createProject(name: "Batch", kind: .classify, labels: ["a", "b"], annotatorsPerItem: 1)
        _ = try fixture.importText((1...40).map { "ticket \($0)" }.joined(separator: "\n") + "\n", into: project, name: "t.txt")
        let annotator = try users(fixture, ["b1"], of: project)[0]
        var ids: [Int64] = []
        try fixture.database.forEachStoredItem(in: project) { ids += $0.map(\.itemID) }
        #expect(ids.count == 40)
        for id in ids { try fixture.database.handOut(id, to: annotator) }
        let database = fixture.database
        let outcomes = await withTaskGroup(of: (Int64, Bool).self) { group in
            for (n, id) in ids.enumerated() {
                // Every fifth one names a label the project does not have, or claims a version that is not there.
                let input = n % 5 == 0 ? AnnotationInput(status: .submitted, labels: ["c"])
                    : n % 5 == 1 ? AnnotationInput(status: .submitted, labels: ["a"], version: 3)
                    : AnnotationInput(status: .submitted, labels: ["a"])
                group.addTask { (id, (try? await database.saveAnnotation(input, itemID: id, by: annotator)) != nil) }
            }
            return await group.reduce(into: [Int64: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.values.filter { $0 }.count == 24)
        let stored = try fixture.database.answeredItems(in: project)
        #expect(Set(stored.map(\.itemID)) == Set(outcomes.filter(\.value).map(\.key)))
        #expect(try fixture.database.summary(of: project).annotations == 24)
        #expect(try fixture.database.progress(in: project, of: annotator).mine == 24)
        await #expect(throws: FieldError.self) {
            try await database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["c"]), itemID: ids[0], by: annotator)
        }
        let outsider = try fixture.database.createUser(username: "outsider", role: .annotator, passwordHash: nil)
        await #expect(throws: StoreError(.forbidden, "you are not a member of this project")) {
            try await database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: ids[0], by: outsider)
        }
        await #expect(throws: StoreError(.notFound, "no such item")) {
            try await database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: 999_999, by: annotator)
        }
    }

    /// An answer needs the item's lease (or an earlier answer): no third answer on a two-per-item item, none to an
    /// item picked by id; a lease that ran out a while ago still takes the answer it was for.
    @Test func aFirstAnswerNeedsTheItemsLease() async throws {
        let fixture = try StoreFixture()
        let project = try fixture.database.createProject(name: "Leases", kind: .classify, labels: ["a"], annotatorsPerItem: 2)
        _ = try fixture.importText("one\ntwo\n", into: project, name: "t.txt")
        let u = try users(fixture, ["l1", "l2", "l3"], of: project)
        let notHanded = StoreError(.forbidden, "this item was not handed to you (ask for the next item first): an answer needs the item's lease")
        let first = try #require(try await fixture.database.nextItem(in: project, for: u[0])).0
        let second = try #require(try await fixture.database.nextItem(in: project, for: u[1])).0
        #expect(first.id == second.id)
        await #expect(throws: notHanded) {
            try await fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: first.id, by: u[2])
        }
        let other = try #require(try await fixture.database.nextItem(in: project, for: u[2])).0
        #expect(other.id != first.id)
        await #expect(throws: notHanded) {
            try await fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: first.id, by: u[2])
        }
        // l1's lease has run out (an hour ago) but is theirs: the answer is taken, and then changed again.
        let lateLease = try #require(try await fixture.database.nextItem(in: project, for: u[0], lease: -3600)).0
        #expect(lateLease.id == first.id)
        let saved = try await fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: first.id, by: u[0]).annotation
        _ = try await fixture.database.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"], version: saved.version), itemID: first.id, by: u[0])
    }

    @Test func timestampsAreISO8601InUTCWithMilliseconds() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for seconds in [0.0, 1_764_115_200.5, 1_764_115_259.999, 951_782_400.042, 4_102_444_799.001] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(AppDatabase.timestamp(date) == date.formatted(style))
        }
    }
}
