import Foundation
import ArgumentParser
import QuorumCore
import QuorumStore

extension ProjectKind: ExpressibleByArgument {}

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Create and list projects, and add members.",
        subcommands: [Create.self, List.self, AddMember.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The project's name.") var name: String
        @Option(help: "What annotators do: chat, classify, spans, or watch (rate production samples).") var kind: ProjectKind
        @Option(help: "Labels (classify) or entity types (spans), comma-separated, in key order.") var labels: String?
        @Flag(help: "Let annotators pick several labels per item.") var multiLabel = false
        @Option(help: "How many annotators answer each item.") var annotatorsPerItem = 1
        @Option(help: "watch: pass-fail or 1-5.") var scale: String = "pass-fail"
        @Option(help: "watch: criteria rated besides the overall rating, comma-separated.") var criteria: String = ""
        @Option(help: "watch: the share of the samples sent that is kept (seeded by each sample).") var sampleRate = 1.0
        @Option(help: "watch: flag a model version whose rate falls below this (its interval wholly under it).") var alertBelow: Double?
        @Flag(help: "Print the project as JSON.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let labelList = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
                let project: Project
                if kind == .watch {
                    guard let scale = JudgingSetup.Scale(rawValue: scale) else { throw CLIError("--scale must be pass-fail or 1-5", code: 2) }
                    let names: [String]
                    do { names = try JudgingSetup.criteria(from: criteria) } catch let error as FieldError { throw CLIError("--criteria: \(error.message)", code: 2) }
                    project = try await db.createWatchProject(name: name, scale: scale, criteria: names, sampleRate: sampleRate, alertBelow: alertBelow,
                                                        annotatorsPerItem: annotatorsPerItem, guidelines: "")
                } else {
                    project = try await db.createProject(name: name, kind: kind, labels: labelList, multiLabel: multiLabel, annotatorsPerItem: annotatorsPerItem,
                                                        guidelines: "")
                }
                if json {
                    print(ProjectSummary(project: project, items: 0, annotations: 0, completeItems: 0).json.jsonText)
                } else {
                    print("Created project \(project.id) \"\(project.name)\" (\(project.kind.rawValue)).")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects with their items and annotations.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let summaries = try await db.projectSummaries()
                if json {
                    print(JSONValue.array(summaries.map(\.json)).jsonText)
                    return
                }
                if summaries.isEmpty {
                    print("No projects yet: quorum project create --name NAME --kind chat|classify|spans")
                    return
                }
                let rows = summaries.map { [String($0.project.id), $0.project.name, $0.project.kind.rawValue, String($0.items), String($0.annotations)] }
                print(Table.render(header: ["ID", "NAME", "KIND", "ITEMS", "ANNOTATIONS"], rows: rows, rightAligned: [0, 3, 4]))
            }
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Let a user annotate a project.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The project's name or id.") var project: String
        @Argument(help: "The user's name or id.") var user: String

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let project = try await db.findRequiredProject(project)
                guard let user = try await db.user(named: user) else { throw CLIError("no user \"\(user)\" (quorum user list shows them)") }
                try await db.addMember(project: project, user: user)
                print("\(user.username) is a member of \"\(project.name)\".")
            }
        }
    }
}
