/// What a project accepts from a file: items of its kind, and labels or entity types it knows.
/// A project created without labels takes the labels the file brings, in order of appearance.
public struct ImportPolicy: Sendable {
    public let projectName: String
    public let kind: ProjectKind
    public let multiLabel: Bool
    public private(set) var labels: [String]
    public let adoptsLabels: Bool
    public private(set) var addedLabels: [String] = []

    public init(projectName: String, kind: ProjectKind, labels: [String], multiLabel: Bool) {
        self.projectName = projectName
        self.kind = kind
        self.labels = labels
        self.multiLabel = multiLabel
        self.adoptsLabels = labels.isEmpty && kind != .chat
    }

    public mutating func check(_ item: ImportedItem, line: Int) -> [ImportIssue] {
        func issue(_ field: String, _ message: String) -> [ImportIssue] { [ImportIssue(line: line, field: field, message: message)] }
        switch (kind, item.kind) {
        case (.chat, nil):
            return issue("format", "\"\(projectName)\" is a chat project: import OpenAI chat JSONL or prompt/completion JSONL into it")
        case (.classify, .chat?), (.spans, .chat?):
            return issue("format", "\"\(projectName)\" is a \(kind.rawValue) project: chat conversations go into a chat project")
        default: break
        }
        if kind == .chat { return [] }
        var issues: [ImportIssue] = []
        let hasSpans = !item.suggestedSpans.isEmpty || item.annotations.contains { !$0.spans.isEmpty }
        let hasLabels = !item.suggestedLabels.isEmpty || item.annotations.contains { !$0.labels.isEmpty }
        if kind == .classify, hasSpans {
            issues += issue("label", "has entity spans, but \"\(projectName)\" classifies texts (import it into a spans project)")
        }
        if kind == .spans, hasLabels {
            issues += issue("label", "has categories, but \"\(projectName)\" marks entity spans (import it into a classify project)")
        }
        if kind == .classify, !multiLabel, let a = item.annotations.first(where: { $0.labels.count > 1 }) {
            issues += issue("annotations", "\(a.username) chose \(a.labels.count) labels, but \"\(projectName)\" takes one label per item (make it multi-label first)")
        }
        guard issues.isEmpty else { return issues }
        let unknown = item.labelsUsed.filter { !labels.contains($0) }
        if unknown.isEmpty { return [] }
        if adoptsLabels {
            labels += unknown
            addedLabels += unknown
            return []
        }
        let noun = kind == .spans ? "entity type" : "label"
        return unknown.map {
            ImportIssue(line: line, field: "label", message: "\(noun) \"\($0)\" is not one of \"\(projectName)\"'s: \(labels.joined(separator: ", ")) (add it to the project or fix the line)")
        }
    }
}
