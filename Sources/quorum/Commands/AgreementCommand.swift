import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct AgreementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement", abstract: "Inter-annotator agreement.", subcommands: [Compute.self, Spans.self])

    struct Compute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Agreement of categorical ratings from JSON.",
            discussion: """
                Reads {"level": "nominal|ordinal|interval", "ratings": [[v, v, null, ...], ...], "categories": [...]}:
                one array per rater, one position per item, null where missing; values are numbers or strings;
                "categories" (optional) gives the order and the full set. Prints percent agreement, Krippendorff's
                alpha, Fleiss' kappa (when every item has the same number of ratings), Gwet's AC1 and Cohen's kappa
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
                Reads {"documents": [{"text": "...", "annotations": {"ann1": [[start, end, "TYPE"], ...], ...}}]} with
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
