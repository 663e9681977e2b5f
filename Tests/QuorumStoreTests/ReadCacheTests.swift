import Synchronization
import Testing
@testable import QuorumStore

@Suite struct ReadCacheTests {
    /// What was found is kept for its lifetime, then read again; what was not found is never kept; a removal
    /// forces the next read.
    @Test func keepsFoundValuesForTheirLifetimeOnly() {
        // A clock of the test's own, moved by hand: a busy machine's pauses cannot age an entry.
        let now = Mutex<UInt64>(1_000)
        let cache = ReadCache<String, Int>(lifetime: .milliseconds(200)) { now.withLock { $0 } }
        var reads = 0
        func read(_ value: Int?) -> Int? { reads += 1; return value }

        #expect(cache.value(for: "a") { read(1) } == 1)
        #expect(cache.value(for: "a") { read(2) } == 1)
        #expect(reads == 1)
        cache.remove("a")
        #expect(cache.value(for: "a") { read(3) } == 3)
        #expect(reads == 2)

        #expect(cache.value(for: "missing") { read(nil) } == nil)
        #expect(cache.value(for: "missing") { read(4) } == 4)
        #expect(reads == 4)

        now.withLock { $0 += 199_999_999 }
        #expect(cache.value(for: "a") { read(5) } == 3)
        now.withLock { $0 += 1 }
        #expect(cache.value(for: "a") { read(6) } == 6)
        #expect(reads == 5)
    }
}
