import Crypto

/// SHA-256, for duplicate keys and for the digest of every imported and exported file.
public struct ContentHash {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    public func hexDigest() -> String { Self.hex(hasher.finalize()) }

    /// The first 128 bits of SHA-256: the duplicate key stored with every item.
    public static func dedupHash(_ key: [UInt8]) -> DedupHash {
        SHA256.hash(data: key).withUnsafeBytes { digest in
            DedupHash(high: UInt64(bigEndian: digest.loadUnaligned(as: UInt64.self)),
                      low: UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    private static func hex<S: Sequence>(_ digest: S) -> String where S.Element == UInt8 {
        let digits: [Character] = Array("0123456789abcdef")
        var out = ""
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return out
    }
}

/// An item's duplicate key, stored as 16 bytes (big-endian). Two words rather than an array, so each of a million
/// imported items carries it without an allocation of its own.
public struct DedupHash: Hashable, Sendable {
    public let high: UInt64
    public let low: UInt64

    /// The 16 bytes as stored.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { try body($0) }
    }
}
