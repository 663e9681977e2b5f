import QuorumCore

/// What leads review: gold answers, comments, activity, and agreement with its snapshots.
public protocol ReviewStore: Sendable {
    func setGold(_ answer: Answer, for item: Item, source: GoldAnswer.Source, by user: User?) async throws
    func removeGold(for item: Item) async throws -> Bool
    func gold(for item: Item) async throws -> JSONValue?
    func promoteAgreedAnswers(in project: Project) async throws -> Int
    /// The items with answers or gold, with them, all at once (the review queue).
    func answeredItems(in project: Project) async throws -> [StoredItem]
    func addComment(_ body: String, on item: Item, by user: User) async throws -> JSONValue
    func comments(on item: Item) async throws -> [JSONValue]
    func activity(in project: Project) async throws -> [(annotator: String, submitted: Int, seconds: [Double])]
    func agreementStamp(of project: Project) async throws -> AgreementStamp
    func agreement(of project: Project) async throws -> ProjectAgreement
    /// Keeps a snapshot of the project's agreement if one is due, `agreement` computing it only then: once, however
    /// many servers find it due at once, and computed by one of them.
    func keepSnapshotIfDue(of project: Project, _ agreement: () async throws -> ProjectAgreement) async throws
    func snapshots(of project: Project) async throws -> [JSONValue]
}
