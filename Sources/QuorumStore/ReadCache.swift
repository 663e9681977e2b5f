import Dispatch
import Synchronization

/// Rows the request path reads on every call (a session, a project, a membership), kept in memory for a few
/// seconds: each database read costs more than the rest of a small request. A change made through the same
/// `AppDatabase` removes the entry at once; a change made by another process (the command line) shows once the
/// entry is `lifetime` old. Only found rows are kept, so something newly created is seen at once.
final class ReadCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var readAt: UInt64
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let lifetime: UInt64
    private let capacity: Int
    /// The time in nanoseconds: the machine's uptime, or a test's own clock.
    private let clock: @Sendable () -> UInt64

    init(lifetime: Duration, capacity: Int = 10_000, clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        let (seconds, attoseconds) = lifetime.components
        self.lifetime = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        self.capacity = capacity
        self.clock = clock
    }

    /// The value kept for `key`, or what `read` finds (kept if found).
    func value(for key: Key, orRead read: () throws -> Value?) rethrows -> Value? {
        let now = clock()
        if let entry = entries.withLock({ $0[key] }), now < entry.readAt + lifetime { return entry.value }
        guard let value = try read() else {
            remove(key)
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, readAt: now)
        }
        return value
    }

    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
