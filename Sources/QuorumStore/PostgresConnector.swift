import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Opens connections to PostgreSQL as an address says (TLS as its sslmode asks), with errors a person can act on.
enum PostgresConnector {
    static func connect(_ address: PostgresAddress) async throws -> PostgresConnection {
        let logger = Logger(label: "quorum.postgres")
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch (address.tls, try tlsConfiguration(address)) {
            case (.disable, _): tls = .disable
            case (.prefer, let client): tls = .prefer(try NIOSSLContext(configuration: client))
            case (_, let client): tls = .require(try NIOSSLContext(configuration: client))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.invalid, "cannot set up TLS for \(address): \(error)")
        }
        let configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.username,
                                                             password: address.password, database: address.database, tls: tls)
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw StoreError(.notFound, "cannot connect to PostgreSQL at \(address): \(whyRefused(error))")
        }
    }

    /// Why a connection failed, in the server's words where it gave any, with what to do about the common cases.
    /// PostgresNIO's own description hides everything; its reflection names it all (never the password).
    static func whyRefused(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(reflecting: error) }
        if let message = error.serverInfo?[.message] {
            switch error.serverInfo?[.sqlState] {
            case "3D000": return message + ": make it first (CREATE DATABASE, or createdb), or name another in the address"
            case "28P01": return message + ": check the user and password in the address"
            default: return message + (error.serverInfo?[.hint].map { " (\($0))" } ?? "")
            }
        }
        guard error.code == .connectionError, let underlying = error.underlying else { return String(reflecting: error) }
        let text = String(reflecting: underlying)
        return text.contains("Connection refused")
            ? "nothing answers there (connection refused): is PostgreSQL running, listening on that address and port? (\(text))"
            : text
    }

    /// TLS as the address's sslmode asks: `prefer` and `require` encrypt without checking the certificate (as libpq),
    /// `verify-ca` checks it is signed by an authority trusted (`sslrootcert`), `verify-full` also checks the name.
    static func tlsConfiguration(_ address: PostgresAddress) throws -> TLSConfiguration {
        var client = TLSConfiguration.makeClientConfiguration()
        switch address.tls {
        case .disable, .prefer, .require: client.certificateVerification = .none
        case .verifyCA: client.certificateVerification = .noHostnameVerification
        case .verifyFull: client.certificateVerification = .fullVerification
        }
        if let roots = address.rootCertificates {
            guard FileManager.default.isReadableFile(atPath: roots) else {
                throw StoreError(.invalid, "sslrootcert \(roots): no such file, or it cannot be read (the PEM file of the authorities to trust)")
            }
            client.trustRoots = .file(roots)
        }
        return client
    }

    /// A pool of connections to the address (TLS as for one connection), not yet running: see `PostgresClient.run()`.
    static func pool(_ address: PostgresAddress, connections: Int) throws -> PostgresClient {
        let tls: PostgresClient.Configuration.TLS
        switch address.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try tlsConfiguration(address))
        case .require, .verifyCA, .verifyFull: tls = .require(try tlsConfiguration(address))
        }
        var configuration = PostgresClient.Configuration(host: address.host, port: address.port, username: address.username,
                                                         password: address.password, database: address.database, tls: tls)
        configuration.options.maximumConnections = connections
        // Warnings and worse only: the pool tells at `info` of each connection it failed to make, which happens when
        // a connection being made is cut off by closing the pool. A failure that matters reaches the request or
        // command that waited for the connection, as its error.
        var logger = Logger(label: "quorum.postgres")
        logger.logLevel = .warning
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// A connection made ready by `prepare`, and closed again if that fails.
    static func connect(_ address: PostgresAddress, prepare: (PostgresConnection, Logger) async throws -> Void) async throws -> PostgresConnection {
        let connection = try await connect(address)
        do {
            try await prepare(connection, Logger(label: "quorum.postgres"))
            return connection
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func count(_ table: StoredTable, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \"\(table.name)\""), logger: logger).collect()
        return try rows.first?.decode(Int.self) ?? 0
    }
}
