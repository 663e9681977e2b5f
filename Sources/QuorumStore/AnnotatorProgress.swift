/// How far a project has got, and one annotator in it: what the annotate page shows beside every item.
public struct AnnotatorProgress: Sendable, Equatable {
    /// The items this annotator has submitted.
    public var mine: Int
    /// The items with all the answers they need.
    public var complete: Int
    public var items: Int
}
