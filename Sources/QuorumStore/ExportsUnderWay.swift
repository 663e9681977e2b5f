/// Where the exports made in the browser are told while they run: one per project at a time, and how far it got (the
/// export page's progress bar). In one server's memory on SQLite (`ExportsInMemory` in the server), in the database on
/// PostgreSQL (`exports_under_way`, `PostgresSchema.v7`), so that behind a proxy every server refuses a second export
/// of the project and shows the first one's progress. The server running an export holds a claim on it, renewed as it
/// tells its progress; a claim not renewed within its lease (its server stopped) lapses.
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
