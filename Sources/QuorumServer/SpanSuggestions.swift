import Logging
import NIOConcurrencyHelpers
import NIOPosix
import QuorumCore
import QuorumStore

/// The suggestions a spans project's patterns make on an item: each project's patterns compiled once (again only
/// when the lead changes them), matched off the event loops within a budget, and an expression that spends its
/// budget turned off for the project with a message for the settings page.
final class SpanSuggestions: Sendable {
    private let database: any Store
    private let logger: Logger
    private let compiled = NIOLockedValueBox<[Int64: (text: String, patterns: SpanPatterns)]>([:])

    init(database: any Store, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    func patterns(of project: Project) -> SpanPatterns? {
        if let cached = compiled.withLockedValue({ $0[project.id] }), cached.text == project.spanPatterns { return cached.patterns }
        guard let patterns = try? SpanPatterns(project.spanPatterns, labels: project.labels) else { return nil }
        compiled.withLockedValue { $0[project.id] = (project.spanPatterns, patterns) }
        return patterns
    }

    /// The matches in `text`, or none when the project has no patterns.
    func spans(in text: String, project: Project) async throws -> [Span] {
        guard project.kind == .spans, !project.spanPatterns.isEmpty, let patterns = patterns(of: project) else { return [] }
        let disabled = Set(project.disabledSpanPatterns.keys)
        let found = try await NIOThreadPool.singleton.runIfActive { patterns.suggestions(in: text, disabled: disabled) }
        for pattern in found.overBudget {
            let reason = "turned off: it took longer than \(SpanPatterns.defaultBudget) on an item of \(text.unicodeScalars.count) characters "
                + "(an expression that backtracks, such as (a+)+); rewrite it and save the patterns again"
            logger.warning("span pattern \(pattern) of project \(project.id) \(reason)")
            try await database.disableSpanPattern(projectID: project.id, pattern: pattern, reason: reason)
        }
        return found.spans
    }
}
