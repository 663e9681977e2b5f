import Foundation
import Testing
import QuorumTestSupport
@testable import QuorumCore

/// Counts must equal tiktoken's: the fixture is written by scripts/token_fixture.py with tiktoken itself.
@Suite struct TokenizerTests {
    static let ranks: BPERanks? = {
        let path = ProcessInfo.processInfo.environment["QUORUM_TOKENIZER"] ?? Repository.root.appendingPathComponent(".cache/o200k_base.tiktoken").path
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? BPERanks(fileContents: [UInt8](data))
    }()

    static let fixture: JSONValue = {
        let url = Repository.root.appendingPathComponent("Tests/QuorumCoreTests/Fixtures/o200k_counts.json")
        return try! JSONParser.parse(String(contentsOf: url, encoding: .utf8))
    }()

    /// The piece cache forgets when it fills, and never answers with another piece's count.
    @Test func pieceCacheKeepsCountsApartAndForgetsWhenFull() {
        var cache = PieceCounts(capacity: 16)
        let pieces = (0..<40).map { Array(" word\($0)".utf8) }
        func key(_ piece: [UInt8]) -> (low: UInt64, high: UInt64) { piece.withUnsafeBufferPointer { PieceCounts.key($0) } }
        // Counts run 0–15 (a piece of up to 15 bytes has at most 15 tokens).
        for (n, piece) in pieces.enumerated() {
            #expect(cache.count(key(piece)) == nil)
            cache.set(key(piece), Int32(n % 16))
            #expect(cache.count(key(piece)) == Int32(n % 16))
        }
        for (n, piece) in pieces.enumerated() {
            if let count = cache.count(key(piece)) { #expect(count == Int32(n % 16)) }
        }
        // The same bytes with a different length are another piece.
        #expect(key(Array("ab".utf8)) != key(Array("ab\0".utf8)))
    }

    @Test func ranksFileIsComplete() throws {
        let ranks = try #require(Self.ranks, "run `make tokenizer` to fetch o200k_base.tiktoken")
        #expect(ranks.count == 199_998)
    }

    @Test func textCountsEqualTiktoken() throws {
        var counter = O200kTokenCounter(ranks: try #require(Self.ranks, "run `make tokenizer`"))
        let texts = try #require(Self.fixture["texts"]?.arrayValue)
        #expect(texts.count > 400)
        for entry in texts {
            let text = try #require(entry["text"]?.stringValue)
            #expect(counter.count(text) == entry["tokens"]?.intValue, "\(text.debugDescription)")
        }
    }

    @Test func exampleCountsFollowTheBillingRule() throws {
        var counter = O200kTokenCounter(ranks: try #require(Self.ranks, "run `make tokenizer`"))
        for entry in try #require(Self.fixture["examples"]?.arrayValue) {
            let messages = try #require(entry["messages"]?.arrayValue)
            #expect(counter.count(messages: messages) == entry["tokens"]?.intValue)
        }
    }

    @Test func preTokenizerSplitsLikeTheRegex() {
        func pieces(_ text: String) -> [String] {
            let scalars = Array(text.unicodeScalars)
            var out: [String] = []
            O200kPreTokenizer.split(scalars) { out.append(String(String.UnicodeScalarView(scalars[$0]))) }
            return out
        }
        #expect(pieces("I'm here  now\r\n\r\nok") == ["I'm", " here", " ", " now", "\r\n\r\n", "ok"])
        #expect(pieces("12345 x") == ["123", "45", " x"])
        #expect(pieces("hello!!! /path") == ["hello", "!!!", " /", "path"])
    }

    @Test func estimateSaysItIsOne() {
        let estimate = EstimatedTokenCounter()
        #expect(!estimate.isExact)
        #expect(estimate.count("12345678") == 2)
    }
}
