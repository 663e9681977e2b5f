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
    func recordSnapshot(of project: Project, _ agreement: ProjectAgreement) async throws
    func snapshotDue(for project: Project) async throws -> Bool
    func snapshots(of project: Project) async throws -> [JSONValue]
}
