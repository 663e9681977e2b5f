/// A fast 64-bit hash of bytes (wyhash's scheme: 64×64→128-bit multiplies folded), for keys that only ever
/// meet inside one process: the validator's and the export's duplicate and prompt keys. SHA-256 there (three
/// digests per conversation) took a twentieth of the export's processor time and bought nothing: only 64
/// bits of it were kept, and nobody is attacking their own training data. Stored keys stay SHA-256.
enum FastHash {
    private static let s0: UInt64 = 0xA076_1D64_78BD_642F, s1: UInt64 = 0xE703_7ED1_A0B4_28DB
    private static let s2: UInt64 = 0x8EBC_6AF0_9C88_C6E3, s3: UInt64 = 0x5899_65CC_7537_4CC3

    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    static func hash(_ p: UnsafeRawBufferPointer, seed start: UInt64 = 0) -> UInt64 {
        func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let product = a.multipliedFullWidth(by: b)
            return product.high ^ product.low
        }
        func r8(_ at: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func r4(_ at: Int) -> UInt64 { UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        let length = p.count
        var seed = start ^ mum(start ^ s0, s1)
        var a: UInt64, b: UInt64
        if length <= 16 {
            if length >= 4 {
                let middle = (length >> 3) << 2
                a = r4(0) << 32 | r4(middle)
                b = r4(length - 4) << 32 | r4(length - 4 - middle)
            } else if length > 0 {
                a = UInt64(p[0]) << 16 | UInt64(p[length >> 1]) << 8 | UInt64(p[length - 1])
                b = 0
            } else {
                a = 0
                b = 0
            }
        } else {
            var i = length, at = 0
            if i > 48 {
                var see1 = seed, see2 = seed
                repeat {
                    seed = mum(r8(at) ^ s1, r8(at + 8) ^ seed)
                    see1 = mum(r8(at + 16) ^ s2, r8(at + 24) ^ see1)
                    see2 = mum(r8(at + 32) ^ s3, r8(at + 40) ^ see2)
                    at += 48
                    i -= 48
                } while i > 48
                seed ^= see1 ^ see2
            }
            while i > 16 {
                seed = mum(r8(at) ^ s1, r8(at + 8) ^ seed)
                at += 16
                i -= 16
            }
            a = r8(at + i - 16)
            b = r8(at + i - 8)
        }
        let product = (a ^ s1).multipliedFullWidth(by: b ^ seed)
        return mum(product.low ^ s0 ^ UInt64(length), product.high ^ s1)
    }
}
