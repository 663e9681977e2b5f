/// The folded text by which conversations are compared for duplicates and contradictions: the whole of it,
/// the prompt (every message before a final assistant message) and that final answer. `quorum validate` and
/// the export use the same keys, so an exported file never shows a duplicate the export should have removed.
struct ConversationKeys {
    var whole: [UInt8] = []
    var prompt: [UInt8] = []
    /// The final assistant message's folded content; nil when the conversation does not end with one.
    var answer: [UInt8]? = nil
    /// The conversation without its system messages: near duplicates are looked for here, so examples that share
    /// only a long system prompt are not taken for copies of each other. Empty unless asked for (the export looks
    /// for exact duplicates only).
    var dialogue: [UInt8] = []

    init(messages: [JSONValue], withDialogue: Bool = false) {
        for (i, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            // Tool calls are part of what a turn says: two answers calling different functions are different.
            // (A message without calls, nearly all of them, is folded as it is, not copied into a joined string.)
            let calls = message.toolCallTexts
            let content = calls.isEmpty ? message.contentText : ([message.contentText] + calls).joined(separator: "\n")
            let start = whole.count
            whole.append(contentsOf: role.utf8)
            whole.append(contentsOf: ": ".utf8)
            let contentStart = whole.count
            TextNormalization.appendFolded(content, to: &whole)
            if withDialogue, role != "system" {
                dialogue.append(contentsOf: whole[start...])
                dialogue.append(0x20)
            }
            if role == "assistant", i == messages.count - 1 {
                answer = Array(whole[contentStart...])
            } else {
                prompt.append(contentsOf: whole[start...])
                prompt.append(0x1E)
            }
            whole.append(0x20)
        }
    }

    /// Contradictions among conversations given by their prompt and answer keys (hashed `prompt` and `answer`):
    /// the positions sharing a prompt whose answers are not all the same, each group in position order, the
    /// groups by their first position. The validator and the export's plan both ask this.
    static func contradictions(prompts: [UInt64], answers: [UInt64]) -> [[Int]] {
        RadixSort.groups(of: prompts).filter { group in group.contains { answers[$0] != answers[group[0]] } }
    }
}
