import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct HoldoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdout",
        abstract: "Draw the project's hold-out set (or top it up) without exporting.",
        discussion: """
            The same draw an export with --holdout N makes, from the items with an agreed (or gold) answer: items once \
            held out stay held out, and later exports keep them out of train and validation. Prints {"holdout": N}.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The project's name or id.") var project: String
    @Option(help: "The size the hold-out set should have.") var size: Int
    @Option(help: "The seed of the draw.") var seed: UInt64 = 0
    @Option(help: "all|majority|K: how many submitted answers must agree for an item to count as answered.") var consensus: ConsensusRule = .all
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard size > 0 else { throw ValidationError("--size must be 1 or more") }
    }

    func run() async throws {
        try await reportingErrors {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-holdout-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let settings = ExportSettings(format: .openaiChat, consensus: consensus, validationFraction: 0, holdout: size, seed: seed)
            let (project, held) = try await database.withExportStore { store in
                let project = try store.requireProject(self.project)
                return (project, try ProjectExport(database: store, project: project, settings: settings, directory: folder, counter: nil).drawHoldout())
            }
            if json {
                print((["holdout": .int(held)] as JSONValue).jsonText)
            } else {
                print("\(project.name): \(counted(held, "item")) held out\(held < size ? " (only \(held) items have an agreed answer)" : "").")
            }
        }
    }
}
