import Foundation
import GRDB
import QuorumCore

/// The one owner of Quorum's SQLite file: it opens it (WAL, foreign keys, busy timeout), migrates it, and
/// exposes methods named for what the application means to do. No other module writes SQL.
public struct AppDatabase: Sendable {
    let writer: DatabasePool

    /// Opens (and creates, on first use) the database at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        writer = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: Schema.v1)
        migrator.registerMigration("v2", migrate: Schema.v2)
        migrator.registerMigration("v3", migrate: Schema.v3)
        return migrator
    }

    /// Now, as stored: ISO 8601 in UTC with milliseconds, which sorts as text.
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// An error a person can act on.
public struct StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable { case notFound, conflict, invalid }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
