import Dispatch
import Synchronization

/// The bridges between the store's synchronous work (SQLite's calls, an export's pipeline) and async code.
enum Blocking {
    /// Runs `work` on a thread of its own and waits for it without holding a thread: long synchronous work (an
    /// import, a project's agreement) would otherwise take one of the few threads async code runs on.
    static func onThread<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in
            DispatchQueue.global(qos: .userInitiated).async { done.resume(with: Result { try work() }) }
        }
    }

    /// Waits on this thread for async `work`: only from a thread of `onThread` or an export's, never from async code.
    static func wait<T: Sendable>(for work: @escaping @Sendable () async throws -> T) throws -> T {
        let finished = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            finished.signal()
        }
        finished.wait()
        return try result.withLock { $0! }.get()
    }
}
