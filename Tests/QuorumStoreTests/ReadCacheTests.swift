import Testing
@testable import QuorumStore

@Suite struct ReadCacheTests {
    /// What was found is kept for its lifetime, then read again; what was not found is never kept; a removal
    /// forces the next read.
    @Test func keepsFoundValuesForTheirLifetimeOnly() async throws {
        let cache = ReadCache<String, Int>(lifetime: .milliseconds(200))
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

        try await Task.sleep(for: .milliseconds(300))
        #expect(cache.value(for: "a") { read(5) } == 5)
        #expect(reads == 5)
    }
}
