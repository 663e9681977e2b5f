import Foundation
import QuorumCore

/// Items handed out and answered: the annotating loop, and the lists and history a lead browses.
public protocol AnnotationStore: Sendable {
    func item(id: Int64) async throws -> (Item, Project)?
    /// The next item for an annotator, leased to them for `lease` seconds, with their progress.
    func nextItem(in project: Project, for annotator: User, lease: TimeInterval) async throws -> (Item, Annotation?, AnnotatorProgress)?
    func progress(in project: Project, of annotator: User) async throws -> AnnotatorProgress
    /// Stores an answer if its version is the one last saved (a conflict otherwise, nothing changed).
    func saveAnnotation(_ input: AnnotationInput, itemID: Int64, by annotator: User) async throws -> (annotation: Annotation, project: Project)
    func annotations(itemID: Int64) async throws -> [Annotation]
    func annotation(itemID: Int64, by annotator: User) async throws -> Annotation?
    func answeredItems(in project: Project, by annotator: User) async throws -> [Int64]
    func previewItem(in project: Project, after: Int64?) async throws -> Item?
    func items(in project: Project, matching filter: ItemFilter, after: Int64?, limit: Int) async throws -> [ItemListing]
    func history(of item: Item) async throws -> [JSONValue]
    func split(of item: Item) async throws -> String?
    func hasAnswered(_ item: Item, by user: User) async throws -> Bool
}
