import Synchronization

/// Where exports are told while they run — from the browser or `quorum export` —: one per project at a time, and how
/// far it got (the export page's progress bar). In the database (`exports_under_way`: SQLite's v14, PostgreSQL's v7),
/// so that every server behind a proxy, and the command line beside them, refuses or waits for a second export of the
/// project and shows the first one's progress. The process running an export holds a claim on it, renewed as it
/// tells its progress; a claim not renewed within its lease (its process stopped) lapses.
public protocol ExportsUnderWay: Sendable {
    /// Claims the project's export for `lease` seconds: the claim's token, or nil while another claim holds.
    func beginExport(of project: Int64, total: Int, lease: Double) async throws -> String?
    /// How far the claimed export got; the claim renewed for `lease` seconds.
    func exportProgressed(of project: Int64, claim: String, done: Int, total: Int, lease: Double) async throws
    /// Lets the claim go (a claim that lapsed and was taken by another export is left to it).
    func endExport(of project: Int64, claim: String) async throws
    /// The project's export under way: items read so far and the project's item count; nil when none runs.
    func exportUnderWay(of project: Int64) async throws -> (done: Int, total: Int)?
}

/// How an export's claim is kept.
public enum ExportClaim {
    /// How long a claim holds without being renewed.
    public static let lease = 10.0
    /// How often the process running the export tells its progress, which renews the claim.
    public static let tellEvery = Duration.milliseconds(500)
}

extension ExportsUnderWay {
    /// Runs an export (`body`, given where to report its progress) while its claim is held: the progress is told every
    /// `ExportClaim.tellEvery`, which renews the claim; the claim is let go once the export ends, however it ends.
    /// A failed report only makes the progress lag (and a claim not let go lapses): they are not the export's errors.
    public func telling<T: Sendable>(_ project: Int64, claim: String, total: Int,
                                     _ body: (@escaping @Sendable (Int, Int) -> Void) async throws -> T) async throws -> T {
        let reached = Mutex((done: 0, total: total))
        let teller = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: ExportClaim.tellEvery)
                let now = reached.withLock { $0 }
                try? await exportProgressed(of: project, claim: claim, done: now.done, total: now.total, lease: ExportClaim.lease)
            }
        }
        func end() async {
            teller.cancel()
            await teller.value
            try? await endExport(of: project, claim: claim)
        }
        do {
            let result = try await body { done, total in reached.withLock { $0 = (done, total) } }
            await end()
            return result
        } catch {
            await end()
            throw error
        }
    }
}
