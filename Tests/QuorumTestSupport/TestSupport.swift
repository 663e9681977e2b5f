import Foundation

/// A folder under the system's temporary directory, removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `contents` to a file in the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: String) throws -> String {
        try write(name, bytes: Array(contents.utf8))
    }

    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

public enum Repository {
    /// The checkout's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file of `../shared/data`, the real public data sets beside the checkout (QUORUM_SHARED_DATA overrides).
    public static func sharedData(_ relative: String) -> String {
        let base = ProcessInfo.processInfo.environment["QUORUM_SHARED_DATA"].map { URL(fileURLWithPath: $0) }
            ?? root.deletingLastPathComponent().appendingPathComponent("shared/data")
        return base.appendingPathComponent(relative).path
    }

    /// The `quorum` binary built beside the running tests.
    public static var quorumBinary: String {
        if let env = ProcessInfo.processInfo.environment["QUORUM_BIN"] { return env }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("quorum").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/quorum").path
    }
}

/// What a finished command printed and returned.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum QuorumProcess {
    /// Starts `quorum ARGS` in `directory` without waiting; stdout and stderr go to files there.
    public static func start(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) throws -> (Process, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.quorumBinary)
        process.arguments = arguments
        process.currentDirectoryURL = directory.url
        var env = ProcessInfo.processInfo.environment
        env["QUORUM_BCRYPT_COST"] = "4"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let id = UUID().uuidString.prefix(8)
        let out = directory.path("stdout-\(id)"), err = directory.path("stderr-\(id)")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        return (process, out, err)
    }

    /// The base URL a `quorum serve` started with `start` says it listens on, waited for up to 15 s (nil if it
    /// never says); `out` is the file its standard output goes to.
    public static func address(printedTo out: String) async throws -> String? {
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:\d+/"#, options: .regularExpression) { return String(text[range]) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Runs `quorum ARGS` to the end.
    public static func run(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) throws -> CommandResult {
        let (process, out, err) = try start(arguments, in: directory, environment: environment)
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// `run`, waited for on a thread of its own: a test whose command talks to a server in this process (the
    /// stand-in endpoint) must not block one of the few threads that server's handlers run on.
    public static func runAside(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(arguments, in: directory, environment: environment) })
            }
        }
    }
}
