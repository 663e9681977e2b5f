/// Who will train on an exported file: each trainer takes a slightly different file (see
/// `shared/research/export-targets.md` for the rules and their sources). An export is made in OpenAI's shape and
/// converted per target (`TargetConverter`); `TargetRules` checks a line against the target's rules.
public enum ExportTarget: String, CaseIterable, Sendable {
    case openai, azureOpenAI = "azure-openai", together, fireworks, mistral, vertexGemini = "vertex-gemini",
         bedrockClaude = "bedrock-claude", bedrockNova = "bedrock-nova", trl, axolotl, llamaFactory = "llama-factory"

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the target takes preference (DPO) files.
    public var takesPreferences: Bool { self != .mistral && self != .bedrockClaude }

    /// Azure OpenAI refuses a training file that does not start with a UTF-8 byte-order mark.
    public var startsWithByteOrderMark: Bool { self == .azureOpenAI }

    /// Lines in OpenAI's own shape (what `quorum validate` checks without `--target`).
    public var isOpenAIShape: Bool { [.openai, .azureOpenAI, .together, .fireworks, .mistral].contains(self) }

    /// How many examples a training file may hold, where the target documents it.
    public var exampleCount: ClosedRange<Int>? {
        switch self {
        case .openai, .azureOpenAI: return 10...Int.max
        case .fireworks: return 3...3_000_000
        case .mistral: return 10...10_000_000
        case .vertexGemini: return 1...1_000_000
        case .bedrockNova: return 8...20_000
        case .together: return 1...Int.max
        case .bedrockClaude, .trl, .axolotl, .llamaFactory: return nil
        }
    }

    /// The largest training file the target takes, in bytes, where it documents one.
    public var maxFileBytes: Int? {
        switch self {
        case .azureOpenAI: return 512 << 20
        case .openai: return 512 << 20
        case .vertexGemini: return 1 << 30
        case .mistral: return 10 << 30
        case .together: return 50_100 << 20
        default: return nil
        }
    }

    /// Whose tokens the exact counts are (Quorum counts o200k_base, OpenAI's; other families only estimate).
    public var tokenizerNote: String {
        switch self {
        case .openai, .azureOpenAI: return "o200k_base (exact for this target)"
        default: return "o200k_base, OpenAI's tokenizer: an estimate for \(rawValue), whose models count with their own"
        }
    }

    /// Targets whose line rules are OpenAI's with more on top (`TargetRules` takes OpenAI's findings for them).
    var startsFromOpenAIRules: Bool { [.openai, .azureOpenAI, .fireworks, .mistral].contains(self) }

    /// Targets that read the file with Hugging Face `datasets` (Arrow): one JSON type per field across all rows.
    var loadsWithArrow: Bool { self == .trl || self == .axolotl || self == .llamaFactory }
}
