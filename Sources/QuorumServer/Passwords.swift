import Foundation
import HummingbirdBcrypt

/// Password hashing (bcrypt) and generation.
public enum Passwords {
    /// Cost 12 by default; `QUORUM_BCRYPT_COST` lowers it for tests, never below 4.
    static var cost: UInt8 {
        if let env = ProcessInfo.processInfo.environment["QUORUM_BCRYPT_COST"], let cost = UInt8(env) { return max(4, min(cost, 16)) }
        return 12
    }

    public static func hash(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }

    public static func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }

    /// 20 characters from an alphabet without look-alikes: about 115 bits.
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
