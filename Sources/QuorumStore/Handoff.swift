import Foundation

/// Hands batches from one thread to another, holding at most `capacity` of them.
final class Handoff<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Value] = []
    private let capacity: Int
    private var done = false
    private var failure: Error?
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    /// A handoff that `fill` puts into on a thread of its own; when `fill` returns the taker sees the end, and
    /// when it throws the taker gets its error.
    static func filled(capacity: Int, by fill: @escaping (Handoff) throws -> Void) -> Handoff {
        let handoff = Handoff(capacity: capacity)
        Thread {
            do {
                try fill(handoff)
                handoff.finish(nil)
            } catch {
                handoff.finish(error)
            }
        }.start()
        return handoff
    }

    /// Waits for room; drops the value when the taker has gone, and then says false (the putter may stop).
    @discardableResult
    func put(_ value: Value) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if !cancelled { queue.append(value) }
        condition.broadcast()
        return !cancelled
    }

    func finish(_ error: Error?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The taker stops early: the putter's waits end.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next value, nil at the end, or the putter's error.
    func take() throws -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !done { condition.wait() }
        if !queue.isEmpty {
            condition.broadcast()
            return queue.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }
}
