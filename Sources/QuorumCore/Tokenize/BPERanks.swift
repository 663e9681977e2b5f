import Foundation

/// The merge ranks of a tiktoken encoding (`o200k_base.tiktoken`: one `base64 rank` per line).
/// Byte strings up to 7 bytes are packed into an integer key, the rest kept as arrays.
public struct BPERanks: Sendable {
    private var short: [UInt64: UInt32] = [:]
    private var long: [[UInt8]: UInt32] = [:]
    public private(set) var count = 0

    public struct FormatError: Error, CustomStringConvertible {
        public let line: Int
        public var description: String { "line \(line) of the ranks file is not \"base64 rank\"" }
    }

    /// Reads the file's contents.
    public init(fileContents: [UInt8]) throws {
        short.reserveCapacity(150_000)
        var failure: FormatError? = nil
        var splitter = LineSplitter()
        func add(_ number: Int, _ line: UnsafeBufferPointer<UInt8>) {
            guard failure == nil, !line.isEmpty else { return }
            guard let space = line.firstIndex(of: 0x20),
                  let bytes = Data(base64Encoded: Data(UnsafeBufferPointer(rebasing: line[..<space]))),
                  let rank = UInt32(String(decoding: UnsafeBufferPointer(rebasing: line[(space + 1)...]), as: UTF8.self)) else {
                failure = FormatError(line: number)
                return
            }
            insert(Array(bytes), rank)
        }
        try fileContents.withUnsafeBufferPointer { try splitter.feed($0, line: add) }
        try splitter.finish(line: add)
        if let failure { throw failure }
    }

    private mutating func insert(_ bytes: [UInt8], _ rank: UInt32) {
        count += 1
        if bytes.count <= 7 {
            short[Self.pack(bytes[...])] = rank
        } else {
            long[bytes] = rank
        }
    }

    @inline(__always)
    static func pack(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var key = UInt64(bytes.count) << 56
        var shift: UInt64 = 0
        for b in bytes {
            key |= UInt64(b) << shift
            shift += 8
        }
        return key
    }

    @inline(__always)
    func rank(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        bytes.count <= 7 ? short[Self.pack(bytes)] : long[Array(bytes)]
    }
}
