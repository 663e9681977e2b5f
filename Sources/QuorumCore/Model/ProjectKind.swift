/// What annotators do in a project.
public enum ProjectKind: String, CaseIterable, Sendable, Codable {
    /// Correct and accept/reject OpenAI chat conversations.
    case chat
    /// Pick one (or several) labels for a text.
    case classify
    /// Mark entity spans in a text.
    case spans
    /// Judge two models' answers to the same prompt, blind: which is better (`JudgingSetup`).
    case compare
    /// Rate one model's answer to a prompt on a scale, blind to which model wrote it.
    case rate
    /// Rate samples of a model's production traffic, blind to the model version, and watch the trend.
    case watch

    /// Kinds whose answer is one or more of the project's labels: the classify machinery (consensus, agreement,
    /// gold) serves them all. A comparison's labels are its choices in the pair's terms, a rating's the scale.
    public var answersWithLabels: Bool { self == .classify || isJudging }

    /// Kinds whose items are models' answers judged blind (from runs, or sent from production).
    public var isJudging: Bool { self == .compare || rates }

    /// Kinds whose answers are ratings of one answer on a scale.
    public var rates: Bool { self == .rate || self == .watch }
}

public enum UserRole: String, CaseIterable, Sendable, Codable {
    case admin, lead, annotator
}
