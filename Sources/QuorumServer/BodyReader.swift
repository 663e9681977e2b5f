import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import QuorumCore

/// Reads request bodies within bounds: at most a limit of bytes (413 past it) and never waiting more than
/// the context's `bodyTimeout` for the next bytes (408), so a client that declares a body and goes quiet does not
/// hold a handler, or its memory, for ever.
enum BodyReader {
    /// The whole body, for JSON and forms.
    static func collect(_ request: Request, context: AppRequestContext) async throws -> ByteBuffer {
        let limit = context.bodyLimit
        let body = request.body
        return try await withIdleTimeout(context.bodyTimeout) { alive in
            var collected = ByteBuffer()
            for try await chunk in body {
                alive()
                guard collected.readableBytes + chunk.readableBytes <= limit else { throw tooLarge(limit) }
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
            return collected
        }
    }

    /// Writes the body to a new file at `path`, for uploads of any size in bounded memory; returns its size.
    static func save(_ request: Request, to path: String, context: AppRequestContext) async throws -> Int {
        let body = request.body, limit = context.bodyLimit
        return try await withIdleTimeout(context.bodyTimeout) { alive in
            guard let file = fopen(path, "wb") else { throw HTTPError(.internalServerError, message: "cannot write the upload to \(path)") }
            defer { fclose(file) }
            var size = 0
            for try await chunk in body {
                alive()
                size += chunk.readableBytes
                guard size <= limit else { throw tooLarge(limit) }
                let written = chunk.withUnsafeReadableBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                guard written == chunk.readableBytes else { throw HTTPError(.internalServerError, message: "the upload could not be written to disk") }
            }
            return size
        }
    }

    static func tooLarge(_ limit: Int) -> HTTPError {
        HTTPError(.contentTooLarge, message: "the body is larger than \(ByteCount.text(limit)), the most this route takes")
    }

    /// Runs `work`, which calls `alive()` whenever bytes arrive, and ends it with 408 when `alive` has not been
    /// called for `timeout`.
    private static func withIdleTimeout<T: Sendable>(
        _ timeout: Duration, _ work: @escaping @Sendable (_ alive: @Sendable () -> Void) async throws -> T
    ) async throws -> T {
        let last = NIOLockedValueBox(ContinuousClock.now)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work { last.withLockedValue { $0 = .now } } }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(500))
                    if ContinuousClock.now - last.withLockedValue({ $0 }) > timeout { return nil }
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw HTTPError(.requestTimeout, message: "the body stopped arriving: nothing for \(timeout)")
            }
            return result
        }
    }
}
