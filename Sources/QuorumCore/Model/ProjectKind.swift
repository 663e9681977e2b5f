/// What annotators do in a project.
public enum ProjectKind: String, CaseIterable, Sendable, Codable {
    /// Correct and accept/reject OpenAI chat conversations.
    case chat
    /// Pick one (or several) labels for a text.
    case classify
    /// Mark entity spans in a text.
    case spans
}

public enum UserRole: String, CaseIterable, Sendable, Codable {
    case admin, lead, annotator
}
