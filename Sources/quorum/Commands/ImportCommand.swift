import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

extension ImportFormat: ExpressibleByArgument {}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import items into a project.",
        discussion: """
            Formats: chat (OpenAI chat JSONL), prompt-completion, csv, text (one item per line), doccano, \
            label-studio (a JSON export) and conll (token<TAB>tag). `auto` picks one from the file. Files may be \
            gzipped. With any bad record nothing is imported and the command exits 1; --skip-invalid imports the \
            good ones and writes the bad ones, with their reasons, to FILE.rejects.jsonl.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The project's name or id.") var project: String
    @Argument(help: "The file to import.") var file: String
    @Option(help: "auto|chat|prompt-completion|csv|text|doccano|label-studio|conll") var format: ImportFormat = .auto
    @Option(help: "CSV: the column holding the text.") var textColumn: String?
    @Option(help: "CSV: the column holding the label (default: label, else category, class or intent).") var labelColumn: String?
    @Flag(help: "Import the good records and write the bad ones to FILE.rejects.jsonl.") var skipInvalid = false
    @Flag(help: "Let other processes open the database while the import runs (slower: see the README).") var shared = false
    @Flag(help: "Print one JSON summary.") var json = false
    @Flag(help: "Take each record's labels, spans or final assistant answer as its item's gold answer (an evaluation set labelled elsewhere).")
    var asGold = false
    @OptionGroup var lineLimit: LineLimitOptions
    @Option(name: .customLong("map-annotator"), help: ArgumentHelp("Label Studio: store NAME's answers (an email, name or id in the file) as USER's.", valueName: "NAME=USER"))
    var annotatorMap: [String] = []

    func run() async throws {
        try await reportingErrors {
            guard FileManager.default.isReadableFile(atPath: file) else { throw CLIError("cannot read \(file): no such file or no permission", code: 2) }
            let rejectsPath = file + ".rejects.jsonl"
            var rejects: RejectsFile? = nil
            let bar = ProgressBar(unit: "records", enabled: Terminal.stderrIsTerminal && !json)
            var options = ImportOptions(format: format, fileName: (file as NSString).lastPathComponent, textColumn: textColumn,
                                        labelColumn: labelColumn, skipInvalid: skipInvalid, maxLineBytes: lineLimit.bytes)
            for entry in annotatorMap {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw CLIError("--map-annotator takes NAME=USER (the name in the file, a Quorum user), not \(entry)", code: 2)
                }
                options.annotatorMap[parts[0]] = parts[1]
            }
            options.asGold = asGold
            let progress = { (done: ImportProgress) in bar.update(done: done.bytesRead, total: done.totalBytes, count: done.records) }
            let rejected = { (record: ImportRecord, issues: [ImportIssue]) throws in
                guard skipInvalid else { return }
                if rejects == nil { rejects = try RejectsFile(path: rejectsPath) }
                try rejects!.write(record, issues)
            }
            let summary: ImportSummary
            switch try database.address() {
            case .postgres(let address):
                summary = try await PostgresStore.using(address) { store in
                    try await store.importItems(into: try store.requireProject(project), from: .file(file), options: options,
                                                progress: progress, rejected: rejected)
                }
            case .sqlite(let path):
                let db = try DatabaseOptions.open(path)
                summary = try db.importItems(into: try db.requireProject(project), from: .file(file), options: options, exclusive: !shared,
                                             progress: progress, rejected: rejected)
            }
            bar.finish()
            try rejects?.close()
            if json {
                print(summary.json.jsonText)
            } else {
                print(summary.text)
                if rejects != nil { print("Rejected records written to \(rejectsPath).") }
            }
            if !summary.committed { throw ExitCode(1) }
        }
    }
}

/// `FILE.rejects.jsonl`: one object per bad record, `{"line", "errors", "raw"}`, the record kept unchanged in `raw`.
final class RejectsFile {
    private let handle: FileHandle

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CLIError("cannot write \(path)")
        }
        self.handle = handle
    }

    func write(_ record: ImportRecord, _ issues: [ImportIssue]) throws {
        let line: JSONValue = ["line": .int(record.line), "errors": .array(issues.map { .string($0.description) }), "raw": .string(record.raw)]
        try handle.write(contentsOf: Data((line.jsonText + "\n").utf8))
    }

    func close() throws { try handle.close() }
}
