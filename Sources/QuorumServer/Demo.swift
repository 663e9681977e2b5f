import Foundation
import QuorumCore
import QuorumStore

/// The demo projects `make run` shows: a few dozen hand-written items of each kind, from `demo/`.
public enum Demo {
    struct Entry {
        let name: String
        let kind: ProjectKind
        let labels: [String]
        let annotators: Int
        let file: String
        let guidelines: String
    }

    static let entries = [
        Entry(name: "Demo: support replies", kind: .chat, labels: ["helpful", "wrong", "rude", "off-topic"], annotators: 2,
              file: "support-replies.jsonl",
              guidelines: "# Support replies\n\nRead the customer's message and the assistant's reply.\n\n- **Accept** a reply that is correct, polite and complete.\n- **Correct** the reply in place when it is nearly right.\n- **Reject** a reply that cannot be saved.\n"),
        Entry(name: "Demo: banking tickets", kind: .classify, labels: [], annotators: 2, file: "banking-tickets.csv",
              guidelines: "# Banking tickets\n\nPick the one category that the customer needs help with. When two fit, pick the one the customer asks about *first*.\n"),
        Entry(name: "Demo: entities", kind: .spans, labels: ["person", "location", "organization", "product"], annotators: 2,
              file: "entities.jsonl",
              guidelines: "# Entities\n\nMark people, places, organizations and products. Mark the shortest span that names the entity; leave titles (*Dr.*, *Ms.*) out.\n"),
    ]

    /// Adds the demo projects when the database has none; returns the names added.
    public static func seed(database: AppDatabase, resources: Resources) throws -> [String] {
        guard try database.projectSummaries().isEmpty else { return [] }
        var added: [String] = []
        for entry in entries {
            let project = try database.createProject(name: entry.name, kind: entry.kind, labels: entry.labels,
                                                     annotatorsPerItem: entry.annotators, guidelines: entry.guidelines)
            let path = resources.demo.appendingPathComponent(entry.file).path
            let summary = try database.importItems(into: project, from: .file(path), options: ImportOptions(fileName: entry.file))
            guard summary.committed else { throw StoreError(.invalid, "the demo file \(entry.file) has errors: \(summary.text)") }
            added.append(entry.name)
        }
        return added
    }
}
