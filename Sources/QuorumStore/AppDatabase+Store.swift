import QuorumCore

/// SQLite gives every area of `Store` with the methods it has; these fill in where the server's words differ.
extension AppDatabase: Store {
    public func findProject(_ reference: String) throws -> Project? {
        try project(reference)
    }

    /// On a thread of its own: an import runs for seconds.
    public func importItems(into project: Project, from source: ByteSource, options: ImportOptions, userID: Int64?, staged: Bool,
                            progress: ((ImportProgress) -> Void)?) async throws -> ImportSummary {
        try await Blocking.onThread {
            try importItems(into: project, from: source, options: options, userID: userID, exclusive: false, staged: staged,
                            progress: progress, rejected: nil)
        }
    }
}

/// The arguments the server leaves out, as `AppDatabase`'s methods default them.
extension AnnotationStore {
    public func nextItem(in project: Project, for annotator: User) async throws -> (Item, Annotation?, AnnotatorProgress)? {
        try await nextItem(in: project, for: annotator, lease: 600)
    }
}

extension ModelStore {
    public func evaluate(_ run: Run, in project: Project) async throws -> Evaluation {
        try await evaluate([run], in: project, consensus: .all)[0]
    }
}

extension ProjectStore {
    /// Like `findProject(_:)`, but says what exists when nothing matches.
    public func findRequiredProject(_ reference: String) async throws -> Project {
        if let project = try await findProject(reference) { return project }
        throw StoreError.noProject(reference, among: try await projectSummaries().map { "\($0.project.id) \($0.project.name)" })
    }
}
