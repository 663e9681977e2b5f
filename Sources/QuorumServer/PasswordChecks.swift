import Foundation
import NIOPosix

/// Where bcrypt runs: a few threads of its own, so a flood of sign-ins can neither take every core from the
/// annotators and exports nor queue without end. Past `maxWaiting` waiting checks a sign-in is refused at once
/// (503) instead of joining the queue.
actor PasswordChecks {
    private let pool: NIOThreadPool
    private let slots: Int
    private let maxWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    struct Busy: Error {}

    init(slots: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 2), maxWaiting: Int = 32) {
        self.slots = slots
        self.maxWaiting = maxWaiting
        pool = NIOThreadPool(numberOfThreads: slots)
        pool.start()
    }

    /// Runs `check` on the pool when a slot is free; throws `Busy` when too many are waiting already.
    func run(_ check: @escaping @Sendable () -> Bool) async throws -> Bool {
        if running >= slots {
            guard waiting.count < maxWaiting else { throw Busy() }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer { release() }
        return try await pool.runIfActive(check)
    }

    private func release() {
        if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
    }
}
