import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count o200k_base tokens: of a whole text, or (--jsonl) of each chat example as fine-tuning bills it.")

    @Argument(help: "The file (standard input when absent).") var file: String?
    @Flag(help: "Print one count per line of a chat JSONL file.") var jsonl = false
    @Option(help: "The o200k_base.tiktoken file.") var tokenizer: String?
    @OptionGroup var lineLimit: LineLimitOptions

    func run() async throws {
        try await reportingErrors {
            var (counter, note) = try TokenizerFile.counter(explicit: tokenizer)
            if let note { Terminal.note("note: \(note)") }
            let source: ByteSource
            if let file {
                guard FileManager.default.isReadableFile(atPath: file) else { throw CLIError("cannot read \(file)", code: 2) }
                source = .file(file)
            } else {
                source = .bytes([UInt8](FileHandle.standardInput.readDataToEndOfFile()))
            }
            if jsonl {
                var out = ""
                try source.forEachLine(maxLineBytes: lineLimit.bytes) { number, bytes in
                    let text = String(decoding: bytes, as: UTF8.self)
                    guard text.contains(where: { !$0.isWhitespace }) else { return }
                    guard let value = try? JSONParser.parse(text), value["messages"]?.arrayValue != nil else {
                        throw CLIError("line \(number): not a chat example ({\"messages\": [...]})")
                    }
                    out += "\(counter.count(example: value))\n"
                    if out.utf8.count > 1 << 16 { print(out, terminator: ""); out = "" }
                }
                print(out, terminator: "")
            } else {
                let text = String(decoding: try source.readAll(maxBytes: lineLimit.bytes), as: UTF8.self)
                print(counter.count(text))
            }
        }
    }
}
