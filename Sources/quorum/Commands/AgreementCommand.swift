import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct AgreementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement", abstract: "Inter-annotator agreement.", subcommands: [ProjectFigures.self, Compute.self, Spans.self],
        defaultSubcommand: ProjectFigures.self)

    struct ProjectFigures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "project",
            abstract: "A project's agreement from its submitted answers (`quorum agreement PROJECT`).",
            discussion: """
                Classify: percent agreement, Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, Cohen's kappa per pair and \
                per label (yes/no); spans: exact and overlap F1 per pair and token-level agreement; chat: agreement on \
                accept/reject and the normalized edit distance between corrected answers. Also each annotator's \
                agreement with the others and with the gold answers, and who is far below the rest. Keeps a snapshot \
                of the figures when one is due (every 100 new answers, or daily).
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The project's name or id.") var project: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let project = try await db.findRequiredProject(project)
                let agreement = try await db.agreement(of: project)
                try await db.keepSnapshotIfDue(of: project) { agreement }
                let suggesting = try await db.suggestionFigures(of: project)
                if json {
                    // Per suggesting run, newest first under "models"; the newest also as "model".
                    var members = agreement.json.objectValue ?? []
                    if let newest = suggesting.first {
                        members.append((key: "model", value: newest.json))
                        members.append((key: "models", value: .array(suggesting.map(\.json))))
                    }
                    print(JSONValue.object(members).jsonText)
                    return
                }
                func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "undefined" }
                print("\(project.name): \(counted(agreement.answers, "answer")) by \(counted(agreement.annotators.count, "annotator")), \(counted(agreement.sharedItems, "item")) answered by two or more")
                print("\(agreement.coefficient): \(figure(agreement.value))")
                if let c = agreement.categorical {
                    print("  percent agreement \(figure(c.percentAgreement)), Fleiss' kappa \(figure(c.fleissKappa)), Gwet's AC1 \(figure(c.gwetAC1))")
                    for pair in c.cohenKappas {
                        print("  Cohen's kappa \(agreement.annotators[pair.raters.0]) × \(agreement.annotators[pair.raters.1]): \(figure(pair.kappa)) over \(counted(pair.items, "item"))")
                    }
                }
                for (label, a) in agreement.perLabel { print("  \(label): alpha \(figure(a.krippendorffAlpha)) (yes/no)") }
                if let spans = agreement.spans { print("  overlap F1 \(figure(spans.overlapF1))") }
                if let tokens = agreement.tokens { print("  token-level alpha \(figure(tokens.krippendorffAlpha))") }
                for d in agreement.editDistance {
                    print("  edit distance \(d.annotators.0) × \(d.annotators.1): \(figure(d.mean)) over \(counted(d.items, "item"))")
                }
                for name in agreement.annotators {
                    var line = "  \(name): with the others \(figure(agreement.withOthers[name]))"
                    if let gold = agreement.withGold[name] { line += ", with gold \(figure(gold.agreement)) over \(counted(gold.items, "item"))" }
                    print(line)
                }
                for flag in agreement.flagged { print("flagged: \(flag.annotator): \(flag.reason)") }
                for figures in suggesting {
                    print("Suggestions of run \(figures.run): the gold answers agree with them \(figure(figures.withGold.percent))")
                    for (name, a) in figures.withAnnotators {
                        let accepted = figures.acceptance.first { $0.annotator == name }?.share
                        print("  \(name): agrees \(figure(a.percent))\(a.kappa.map { ", kappa \(figure($0))" } ?? ""), took \(figure(accepted)) of those shown as they were")
                    }
                    print("  anchoring: agreement with the model \(figure(figures.shown.agreement.percent)) where shown (\(counted(figures.shown.items, "item"))), "
                          + "\(figure(figures.withheld.agreement.percent)) where withheld (\(counted(figures.withheld.items, "item")))")
                }
            }
        }
    }

    struct Compute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Agreement of categorical ratings from JSON.",
            discussion: """
                Reads {"level": "nominal|ordinal|interval", "ratings": [[v, v, null, ...], ...], "categories": [...]}: \
                one array per rater, one position per item, null where missing; values are numbers or strings; \
                "categories" (optional) gives the order and the full set. Prints percent agreement, Krippendorff's \
                alpha, Fleiss' kappa (when every item has the same number of ratings), Gwet's AC1 and Cohen's kappa \
                per pair (weighted too for ordinal and interval), with null where a coefficient is undefined.
                """)

        @Argument(help: "The JSON file (standard input when absent).") var file: String?

        func run() async throws {
            try await reportingErrors {
                let input = try readJSON(file)
                let levelName = input["level"]?.stringValue ?? "nominal"
                guard let level = CategoricalAgreement.Level(rawValue: levelName) else {
                    throw CLIError("level: \"\(levelName)\" is not nominal, ordinal or interval")
                }
                guard let raters = input["ratings"]?.arrayValue, raters.allSatisfy({ $0.arrayValue != nil }) else {
                    throw CLIError("ratings: expected an array with one array of values per rater")
                }
                func category(_ value: JSONValue, at place: String) throws -> String? {
                    switch value {
                    case .null: return nil
                    case .string(let s): return s
                    case .number(let n):
                        guard let d = Double(n) else { return n }
                        return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
                    default: throw CLIError("\(place): a rating must be a number, a string or null")
                    }
                }
                let ratings = try raters.enumerated().map { r, row in
                    try row.arrayValue!.enumerated().map { i, v in try category(v, at: "ratings[\(r)][\(i)]") }
                }
                let categories = try input["categories"]?.arrayValue?.enumerated().compactMap { i, v in try category(v, at: "categories[\(i)]") }
                do {
                    print(try CategoricalAgreement(level: level, ratings: ratings, categories: categories).json.jsonText)
                } catch {
                    throw CLIError("\(error)")
                }
            }
        }
    }

    struct Spans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Span agreement (exact and overlap F1 per annotator pair) from JSON.",
            discussion: """
                Reads {"documents": [{"text": "...", "annotations": {"ann1": [[start, end, "TYPE"], ...], ...}}]} with \
                code-point offsets; prints per-pair and overall figures (overall = the mean over pairs with a value).
                """)

        @Argument(help: "The JSON file (standard input when absent).") var file: String?

        func run() async throws {
            try await reportingErrors {
                let input = try readJSON(file)
                guard let documents = input["documents"]?.arrayValue else { throw CLIError("documents: expected an array") }
                let parsed = try documents.enumerated().map { d, document -> SpanAgreement.Document in
                    let text = CodePointText(document["text"]?.stringValue ?? "")
                    var annotations: [String: [Span]] = [:]
                    for (name, spans) in document["annotations"]?.objectValue ?? [] {
                        annotations[name] = try (spans.arrayValue ?? []).enumerated().map { s, span in
                            guard let triple = span.arrayValue, triple.count == 3, let start = triple[0].intValue,
                                  let end = triple[1].intValue, let type = triple[2].stringValue else {
                                throw CLIError("documents[\(d)].annotations.\(name)[\(s)]: expected [start, end, \"TYPE\"]")
                            }
                            return Span(start: start, end: end, label: type, text: text.slice(start, end) ?? "")
                        }
                    }
                    return SpanAgreement.Document(annotations: annotations)
                }
                print(SpanAgreement(documents: parsed).json.jsonText)
            }
        }
    }
}

/// The JSON in FILE, or on standard input.
private func readJSON(_ file: String?) throws -> JSONValue {
    let bytes: [UInt8]
    if let file {
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)", code: 2) }
        bytes = [UInt8](data)
    } else {
        bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    }
    do { return try JSONParser.parse(String(decoding: bytes, as: UTF8.self)) } catch { throw CLIError("the input is not valid JSON: \(error)") }
}
