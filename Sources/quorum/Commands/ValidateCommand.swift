import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check fine-tuning JSONL files before paying for a job.",
        discussion: """
            Checks every line against OpenAI's chat fine-tuning format (and preference/DPO files), counts tokens
            exactly with o200k_base, and reports duplicates, near duplicates, contradictions, class balance, length
            outliers and the cost. Exit 0: no errors (--strict: no warnings either); 1: errors; 2: unreadable file.
            """)

    @Argument(help: "JSONL files (.gz too).") var files: [String]
    @Option(help: "The model to fine-tune (sets the context limit).") var model = FineTuningEstimate.defaultModel
    @Option(help: "The training-context limit, for models Quorum does not know.") var maxTokens: Int?
    @Option(help: "USD per million training tokens.") var pricePerMillion = FineTuningEstimate.defaultPricePerMillion
    @Option(help: "Jaccard similarity at which two examples are near duplicates.") var nearDuplicateThreshold = 0.8
    @Option(help: "The o200k_base.tiktoken file (default: QUORUM_TOKENIZER or the one make fetched).") var tokenizer: String?
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
                            batch.removeAll(keepingCapacity: true)
                            validator.addUnreadable(line: number, message: error.message)
                        }
                        if batch.count == 4_096 {
                            validator.add(batch: batch, workers: workers)
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                    validator.add(batch: batch, workers: workers)
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
                let report = validator.finish()
                if json {
                    var object = report.json
                    if case .object(var members) = object {
                        members.insert((key: "file", value: .string(file)), at: 0)
                        object = .object(members)
                    }
                    print(object.jsonText)
                } else {
                    if files.count > 1 { print("== \(file)") }
                    print(report.text)
                }
                let failed = report.hasErrors || (strict && report.warningCount > 0)
                if failed, worst == 0 { worst = 1 }
            }
            if worst != 0 { throw ExitCode(worst) }
        }
    }
}
