import Foundation
import QuorumCore

/// Finds and loads `o200k_base.tiktoken`: `--tokenizer PATH`, else `QUORUM_TOKENIZER`, else the `.cache/`
/// that `make` fills in the checkout this binary was built from, else beside the executable.
public enum TokenizerFile {
    public static let fileName = "o200k_base.tiktoken"
    public static let sha256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

    public static func locate(explicit: String? = nil) -> String? {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment["QUORUM_TOKENIZER"], !env.isEmpty { return env }
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [checkout.appendingPathComponent(".cache/\(fileName)"), exe.appendingPathComponent(fileName),
                          exe.appendingPathComponent("../share/quorum/\(fileName)")]
        return candidates.map(\.path).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The exact counter when the ranks file is found (and checks out), else the estimate and why.
    public static func counter(explicit: String? = nil) throws -> (any TokenCounter, note: String?) {
        guard let path = locate(explicit: explicit) else {
            return (EstimatedTokenCounter(), "token counts are ESTIMATES (about 4 bytes a token): o200k_base.tiktoken was not found; run `make tokenizer` or pass --tokenizer PATH")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.notFound, "cannot read the tokenizer file \(path)")
        }
        let bytes = [UInt8](data)
        let digest = ContentHash.sha256Hex(bytes)
        guard digest == sha256 else {
            throw StoreError(.invalid, "\(path) is not o200k_base.tiktoken (its SHA-256 is \(digest), expected \(sha256))")
        }
        return (O200kTokenCounter(ranks: try BPERanks(fileContents: bytes)), nil)
    }
}
