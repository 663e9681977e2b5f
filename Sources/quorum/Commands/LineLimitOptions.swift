import ArgumentParser
import QuorumCore

/// `--max-line-mb`: the longest line or record a command reads, so a gzip bomb or a file that is not line-based
/// stops with a message instead of filling the memory.
struct LineLimitOptions: ParsableArguments {
    @Option(help: "The longest line or record to read, in MB.")
    var maxLineMb: Int = LineSplitter.defaultMaxLineBytes >> 20

    func validate() throws {
        guard maxLineMb > 0, maxLineMb <= 4096 else { throw ValidationError("--max-line-mb takes 1 to 4096") }
    }

    var bytes: Int { maxLineMb << 20 }
}
