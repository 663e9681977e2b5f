import Foundation

/// An `OutputFile` hashed and written on a thread of its own: the caller gathers lines into chunks while the
/// chunk before is hashed and written. (The export's last step was one thread reading the spool, hashing and
/// writing in turn: a tenth of a million-item export.)
final class OutputPipe: @unchecked Sendable {
    private let chunks = Handoff<[UInt8]>(capacity: 4)
    private let done = DispatchSemaphore(value: 0)
    /// Set by the writing thread before it signals `done`.
    private var result: Result<(bytes: Int, sha256: String), Error>?
    private var closed = false
    /// Touched only by the writing thread once `init` has returned.
    private var file: OutputFile

    init(path: String) throws {
        file = try OutputFile(path: path)
        Thread { [self] in
            do {
                while let chunk = try chunks.take() { try chunk.withUnsafeBytes { try file.write($0) } }
                result = .success((file.bytes, try file.close()))
            } catch {
                chunks.cancel()  // the caller's next chunks are dropped; `close` reports the error
                _ = try? file.close()
                result = .failure(error)
            }
            done.signal()
        }.start()
    }

    func write(_ chunk: [UInt8]) { chunks.put(chunk) }

    /// Waits for every chunk to be written; the file's size and SHA-256. Safe to call again (a `defer` after an error).
    @discardableResult
    func close() throws -> (bytes: Int, sha256: String) {
        if !closed {
            closed = true
            chunks.finish(nil)
            done.wait()
        }
        return try result!.get()
    }
}
