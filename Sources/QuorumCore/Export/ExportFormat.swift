/// What each exported line looks like.
public enum ExportFormat: String, CaseIterable, Sendable {
    case openaiChat = "openai-chat", dpo, doccano, spacy, conll, csv

    public var fileExtension: String {
        switch self {
        case .conll: return "conll"
        case .csv: return "csv"
        default: return "jsonl"
        }
    }

    /// Lines meant for the OpenAI fine-tuning API, checked by the chat-format rules of `quorum validate`.
    public var isFineTuningJSONL: Bool { self == .openaiChat || self == .dpo }

    /// Why this format cannot be made from a project of `kind`, if it cannot.
    public func problem(for kind: ProjectKind) -> String? {
        switch (self, kind) {
        case (_, .rate): return "a rate project's ratings are results, not training data: quorum compare results"
        case (.openaiChat, .watch), (.dpo, .watch): return nil
        case (_, .watch): return "a watch project exports its corrected samples as openai-chat or dpo"
        case (.openaiChat, _), (.dpo, .chat), (.dpo, .compare), (.doccano, .classify), (.doccano, .spans), (.spacy, .spans),
             (.conll, .spans), (.csv, .classify):
            return nil
        case (.dpo, _): return "dpo export needs a chat project (preference pairs from corrected assistant answers) or a compare project (from judged pairs)"
        case (.doccano, _): return "doccano export needs a classify or spans project"
        case (.spacy, _), (.conll, _): return "\(rawValue) export needs a spans project"
        case (.csv, _): return "csv export needs a classify project"
        }
    }
}
