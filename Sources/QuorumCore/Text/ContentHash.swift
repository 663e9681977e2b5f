import Crypto

/// SHA-256, for duplicate keys and for the digest of every imported and exported file.
public struct ContentHash {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    public func hexDigest() -> String { Self.hex(hasher.finalize()) }

    /// The first 128 bits of SHA-256: the duplicate key stored with every item.
    public static func dedupHash(_ key: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: key).prefix(16))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    private static func hex<S: Sequence>(_ digest: S) -> String where S.Element == UInt8 {
        let digits: [Character] = Array("0123456789abcdef")
        var out = ""
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return out
    }
}
