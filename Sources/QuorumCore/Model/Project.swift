/// A project: what is annotated, how, and by how many people.
public struct Project: Equatable, Sendable {
    public var id: Int64
    public var slug: String
    public var name: String
    public var kind: ProjectKind
    public var labels: [String]
    public var multiLabel: Bool
    public var annotatorsPerItem: Int
    public var guidelines: String
    /// The system message of exported classify and spans examples; empty for the default, which names the labels.
    public var systemPrompt: String
    /// When agreed answers become gold by themselves: nil (never), or the consensus they need.
    public var autoGold: ConsensusRule?
    /// Spans projects: terms and regular expressions per type whose matches are suggested (`SpanPatterns`).
    public var spanPatterns: String
    /// Spans projects: whether spans may overlap or nest (refused by default).
    public var allowsOverlappingSpans: Bool
    /// Spans projects: pattern lines (`TYPE: /expression/`) turned off because they ran past their time budget,
    /// with why; cleared when the patterns are saved again.
    public var disabledSpanPatterns: [String: String]
    /// Compare and rate projects: the runs judged and how.
    public var judging: JudgingSetup?
    public var createdAt: String

    public init(id: Int64, slug: String, name: String, kind: ProjectKind, labels: [String], multiLabel: Bool,
                annotatorsPerItem: Int, guidelines: String, systemPrompt: String = "", autoGold: ConsensusRule? = nil, spanPatterns: String = "", allowsOverlappingSpans: Bool = false,
                disabledSpanPatterns: [String: String] = [:], judging: JudgingSetup? = nil, createdAt: String) {
        self.id = id
        self.slug = slug
        self.name = name
        self.kind = kind
        self.labels = labels
        self.multiLabel = multiLabel
        self.annotatorsPerItem = annotatorsPerItem
        self.guidelines = guidelines
        self.systemPrompt = systemPrompt
        self.autoGold = autoGold
        self.spanPatterns = spanPatterns
        self.allowsOverlappingSpans = allowsOverlappingSpans
        self.disabledSpanPatterns = disabledSpanPatterns
        self.judging = judging
        self.createdAt = createdAt
    }

    /// A URL-safe name: lower-case ASCII letters and digits joined by dashes.
    public static func slug(for name: String) -> String {
        var slug = ""
        var dash = false
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if dash, !slug.isEmpty { slug += "-" }
                dash = false
                slug.unicodeScalars.append(scalar)
            } else {
                dash = true
            }
        }
        return slug.isEmpty ? "project" : slug
    }
}

/// A project with its counts, as `quorum project list` and the home page show it.
public struct ProjectSummary: Equatable, Sendable {
    public var project: Project
    public var items: Int
    public var annotations: Int
    /// Items with at least `annotatorsPerItem` submitted annotations.
    public var completeItems: Int

    public init(project: Project, items: Int, annotations: Int, completeItems: Int) {
        self.project = project
        self.items = items
        self.annotations = annotations
        self.completeItems = completeItems
    }

    public var json: JSONValue {
        ["id": .number(String(project.id)), "name": .string(project.name), "slug": .string(project.slug),
         "kind": .string(project.kind.rawValue), "labels": .array(project.labels.map { .string($0) }),
         "annotators_per_item": .int(project.annotatorsPerItem),
         "items": .int(items), "annotations": .int(annotations), "complete_items": .int(completeItems)]
    }
}

public struct User: Equatable, Sendable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var role: UserRole
    public var disabled: Bool
    public var createdAt: String

    public init(id: Int64, username: String, displayName: String, role: UserRole, disabled: Bool, createdAt: String) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        ["id": .number(String(id)), "username": .string(username), "display_name": .string(displayName),
         "role": .string(role.rawValue), "disabled": .bool(disabled)]
    }
}
