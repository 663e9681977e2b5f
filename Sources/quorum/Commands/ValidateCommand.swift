import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check fine-tuning JSONL files before paying for a job.",
        discussion: """
            Checks every line against OpenAI's chat fine-tuning format (and preference/DPO files), counts tokens \
            exactly with o200k_base, and reports duplicates, near duplicates, contradictions, class balance, length \
            outliers and the cost, and lists the other trainers that take the file as it is ("valid_for"). \
            --target T checks the file against that trainer's rules instead (\(ExportTarget.names)): for the \
            trainers that take OpenAI's shape the checks above come too; for the others (Vertex, Bedrock, TRL, Axolotl, \
            LLaMA-Factory) their own line and file rules. Exit 0: no errors (--strict: no warnings either); 1: errors; \
            2: unreadable file.
            """)

    @Argument(help: "JSONL files (.gz too).") var files: [String]
    @Option(help: "The model to fine-tune (sets the context limit).") var model = FineTuningEstimate.defaultModel
    @Option(help: "The training-context limit, for models Quorum does not know.") var maxTokens: Int?
    @Option(help: "USD per million training tokens.") var pricePerMillion = FineTuningEstimate.defaultPricePerMillion
    @Option(help: "Jaccard similarity at which two examples are near duplicates.") var nearDuplicateThreshold = 0.8
    @Option(help: "The o200k_base.tiktoken file (default: QUORUM_TOKENIZER or the one make fetched).") var tokenizer: String?
    @Option(help: "Check against this trainer's rules (default: OpenAI's).") var target: ExportTarget?
    @Flag(help: "Print one JSON object per file.") var json = false
    @Flag(help: "Fail on warnings too.") var strict = false
    @OptionGroup var lineLimit: LineLimitOptions

    func run() async throws {
        try await reportingErrors {
            let options: ValidationOptions
            do {
                options = try ValidationOptions(model: model, contextLimit: maxTokens, pricePerMillion: pricePerMillion,
                                                nearDuplicateThreshold: nearDuplicateThreshold)
            } catch { throw CLIError("\(error)", code: 2) }
            let (counter, note) = try TokenizerFile.counter(explicit: tokenizer)
            if let note, !json { Terminal.note("note: \(note)") }
            var worst: Int32 = 0
            for file in files {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    Terminal.error("cannot read \(file): no such file or no permission")
                    worst = 2
                    continue
                }
                let validator = DatasetValidator(options: options, counter: counter)
                let targets = TargetValidation(listed: target.map { [$0] } ?? [])
                let source = ByteSource.file(file)
                let bar = ProgressBar(unit: "lines", enabled: Terminal.stderrIsTerminal)
                let total = source.totalBytes
                var lineCount = 0
                // Lines go to the validator in batches, analysed on every core.
                var batch: [(line: Int, text: String)] = []
                let workers = ProcessInfo.processInfo.activeProcessorCount
                do {
                    try source.forEachLine(maxLineBytes: lineLimit.bytes, progress: { bar.update(done: $0, total: total, count: lineCount) }) { number, bytes in
                        lineCount = number
                        switch LineSplitter.decode(bytes) {
                        case .success(let text): batch.append((number, text))
                        case .failure(let error):
                            // Keep the order of the findings: the lines before it go first.
                            validator.add(batch: batch, workers: workers)
                            targets.add(batch: batch, workers: workers)
                            batch.removeAll(keepingCapacity: true)
                            validator.addUnreadable(line: number, message: error.message)
                            targets.add(batch: [(number, "")], workers: 1)
                        }
                        if batch.count == 4_096 {
                            validator.add(batch: batch, workers: workers)
                            targets.add(batch: batch, workers: workers)
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                    validator.add(batch: batch, workers: workers)
                    targets.add(batch: batch, workers: workers)
                    let quote = validator.linesToQuote
                    if !quote.isEmpty {
                        try source.forEachLine(maxLineBytes: lineLimit.bytes) { number, bytes in
                            if quote.contains(number) { validator.quote(line: number, text: String(decoding: bytes, as: UTF8.self)) }
                        }
                    }
                } catch {
                    bar.finish()
                    Terminal.error("cannot read \(file): \(error)")
                    worst = 2
                    continue
                }
                bar.finish()
                let outcome = targets.finish(bytes: total ?? 0, byteOrderMark: Self.startsWithByteOrderMark(file))
                let validFor = JSONValue.array(outcome.validFor.map { .string($0.rawValue) })
                let failed: Bool
                if let target, !target.isOpenAIShape {
                    // A file in another shape: its trainer's rules alone (OpenAI's would refuse every line).
                    let issues = outcome.issues[target] ?? []
                    let errors = outcome.errorCounts[target] ?? 0, warnings = issues.filter { $0.severity == .warning }.count
                    if json {
                        print((["file": .string(file), "target": .string(target.rawValue), "examples": .int(targets.examples), "errors": .int(errors),
                                "warnings": .int(warnings), "issues": .array(issues.map(\.json)), "valid_for": validFor,
                                "tokenizer": .string(target.tokenizerNote)] as JSONValue).jsonText)
                    } else {
                        if files.count > 1 { print("== \(file)") }
                        print("\(counted(targets.examples, "example")) checked against \(target.rawValue)'s rules: \(counted(errors, "error")), \(counted(warnings, "warning")).")
                        for issue in issues { print("\(issue.severity.rawValue): \(issue.text) [\(issue.code)]") }
                        Self.printValidFor(outcome.validFor)
                    }
                    failed = errors > 0 || (strict && warnings > 0)
                } else {
                    let report = validator.finish()
                    let extra = target.map { $0 == .openai ? [] : outcome.issues[$0] ?? [] } ?? []
                    let extraErrors = target.map { $0 == .openai ? 0 : outcome.errorCounts[$0] ?? 0 } ?? 0
                    if json {
                        var object = report.json
                        if case .object(var members) = object {
                            members.insert((key: "file", value: .string(file)), at: 0)
                            if let target {
                                members.append((key: "target", value: .string(target.rawValue)))
                                members.append((key: "target_issues", value: .array(extra.map(\.json))))
                                members.append((key: "tokenizer", value: .string(target.tokenizerNote)))
                            }
                            members.append((key: "valid_for", value: validFor))
                            object = .object(members)
                        }
                        print(object.jsonText)
                    } else {
                        if files.count > 1 { print("== \(file)") }
                        print(report.text)
                        if let target, target != .openai {
                            print("\(target.rawValue)'s own rules: \(counted(extraErrors, "error")).")
                            for issue in extra { print("\(issue.severity.rawValue): \(issue.text) [\(issue.code)]") }
                        }
                        Self.printValidFor(outcome.validFor)
                    }
                    failed = report.hasErrors || extraErrors > 0 || (strict && report.warningCount > 0)
                }
                if failed, worst == 0 { worst = 1 }
            }
            if worst != 0 { throw ExitCode(worst) }
        }
    }

    static func printValidFor(_ targets: [ExportTarget]) {
        print(targets.isEmpty ? "No target takes the file as it is." : "Valid as it is for: \(targets.map(\.rawValue).joined(separator: ", ")).")
    }

    /// Whether the file starts with a UTF-8 byte-order mark (the line reader drops it; Azure needs it).
    static func startsWithByteOrderMark(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 3)) == Data([0xEF, 0xBB, 0xBF])
    }
}
