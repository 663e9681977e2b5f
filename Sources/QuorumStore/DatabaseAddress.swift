import Foundation

/// Where Quorum's data lives: a SQLite file (the embedded default) or a PostgreSQL database named by a URL,
/// `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…`.
public enum DatabaseAddress: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a SQLite file's path.
    public init(parsing text: String) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            self = .sqlite(path: text)
            return
        }
        self = .postgres(try PostgresAddress(url: text))
    }

    /// Said to people: the password is never shown.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let address): return address.description
        }
    }
}

public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    /// As libpq's `sslmode` means them: `prefer` and `require` encrypt without checking the server's certificate
    /// (a stock Debian PostgreSQL serves a self-signed one), `verify-ca` checks it was signed by a trusted authority,
    /// `verify-full` also that it names the host.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The certificate authorities trusted for `verify-ca` and `verify-full` (a PEM file); nil: the system's.
    public var rootCertificates: String?

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .prefer,
                rootCertificates: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificates = rootCertificates
    }

    public init(url text: String) throws {
        func refuse(_ why: String) -> StoreError {
            StoreError(.invalid, "\(why) in the database URL: write postgres://USER:PASSWORD@HOST:PORT/DATABASE (port and password may be left out)")
        }
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else { throw refuse("no host") }
        guard let user = url.user, !user.isEmpty else { throw refuse("no user name") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw refuse("no database name") }
        var tls = TLSMode.prefer
        var roots: String?
        for item in url.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", let value):
                guard let mode = TLSMode(rawValue: value) else {
                    throw refuse("sslmode \"\(value)\" is not disable, prefer, require, verify-ca or verify-full")
                }
                tls = mode
            case ("sslrootcert", let path) where !path.isEmpty:
                roots = path
            default:
                throw refuse("\"\(item.name)\" is not a setting Quorum reads (only sslmode and sslrootcert)")
            }
        }
        self.init(host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user,
                  password: url.password.map { $0.removingPercentEncoding ?? $0 }, database: database.removingPercentEncoding ?? database, tls: tls,
                  rootCertificates: roots)
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":…")@\(host):\(port)/\(database)"
    }
}
