import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

extension WatchTrend.Period: ExpressibleByArgument {}

/// `quorum watch PROJECT`: a watch project's quality per model version over time.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "A model's quality in production over time: per version and period, the pass rate (or mean rating) with its interval.",
        discussion: """
            Each judged sample's verdict is its resolved answer (gold, else the majority of its judges). Pass-fail: the \
            pass rate with its Wilson 95% interval, and the change from the version's previous period with a two-sided \
            pooled two-proportion z-test; 1-5: the mean rating with an interval from resampled samples. A version whose \
            latest rate is under the project's --alert-below, its whole interval under it, is listed under alerts (exit 3).
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The watch project's name or id.") var project: String
    @Option(help: "day, week or month.") var by: WatchTrend.Period = .week
    @Option(help: "Also per value of this meta field of the samples.") var category: String?
    @Flag(help: "Print {\"periods\": [...], \"alerts\": [...]}.") var json = false

    func run() async throws {
        try await reportingErrors(on: database) { db in
            let trend = try await db.watchTrend(of: try await db.findRequiredProject(project), by: by, category: category)
            if json {
                print(trend.json.jsonText)
            } else if trend.rows.isEmpty {
                print("No judged samples yet: a service sends them to POST /api/projects/ID/samples, judges rate them.")
            } else {
                func figure(_ x: Double?) -> String { x.map { trend.scale == .passFail ? String(format: "%.1f%%", $0 * 100) : String(format: "%.2f", $0) } ?? "–" }
                print(Table.render(header: ["FROM", "VERSION", "CATEGORY", "JUDGED", "RATE", "95%", "CHANGE", "P"], rows: trend.rows.map { row in
                    [row.start, row.version, row.category ?? "", String(row.judged), figure(row.rate),
                     row.ci.map { "\(figure($0.0)) – \(figure($0.1))" } ?? "–", row.change.map { String(format: "%+.3f", $0) } ?? "–",
                     row.pValue.map { String(format: "%.4g", $0) } ?? "–"]
                }, rightAligned: [3]))
                for alert in trend.alerts { Terminal.error("\(alert.version) is below the project's threshold in the period from \(alert.start): \(figure(alert.rate))") }
            }
            if !trend.alerts.isEmpty { throw ExitCode(3) }
        }
    }
}
