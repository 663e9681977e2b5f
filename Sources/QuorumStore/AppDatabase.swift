import Foundation
import GRDB
import QuorumCore

/// The one owner of Quorum's SQLite file: it opens it (WAL, foreign keys, busy timeout), migrates it, and
/// exposes methods named for what the application means to do. No other module writes SQL.
public struct AppDatabase: Sendable {
    let writer: DatabasePool
    /// Sessions, projects and memberships as the request path last read them (see `ReadCache`).
    let recent = RecentReads()
    /// The annotating routes' writes, committed together (see `WriteBatcher`).
    let batcher: WriteBatcher

    /// Opens (and creates, on first use) the database at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            writer = try DatabasePool(path: path, configuration: config)
            try Self.refuseNewerSchema(writer)
            try Self.migrator.migrate(writer)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError(.invalid, "it is not a SQLite file, so not a Quorum database: give a quorum.db, or a new path to make one")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN {
            let folder = (path as NSString).deletingLastPathComponent
            throw StoreError(.invalid, FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder)
                             ? "it cannot be opened or made there: check that this user may read and write that file and its folder"
                             : "its folder \(folder) does not exist: make it first, or give another path")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw StoreError(.conflict, "another process holds the database to itself, most likely an import from the command "
                             + "line, until it ends (`quorum import --shared` leaves the database open to others)")
        }
        batcher = WriteBatcher(writer: writer)
    }

    /// A file a newer quorum migrated is left as it is, as on PostgreSQL (`PostgresSchema.migrate`): this binary
    /// would not keep up what the newer schema adds (its tables, triggers and counts).
    private static func refuseNewerSchema(_ writer: DatabasePool) throws {
        let known = migrator.migrations
        let unknown = try writer.read { try migrator.appliedIdentifiers($0) }.subtracting(known)
        guard let newest = unknown.max(by: { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }) else { return }
        throw StoreError(.conflict, "the database's schema is at version \(newest), newer than this quorum knows (\(known.last ?? "none")): use a newer quorum")
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (index, step) in Schema.versions.enumerated() {
            migrator.registerMigration("v\(index + 1)", migrate: step)
        }
        return migrator
    }

    /// Now, as stored: ISO 8601 in UTC with milliseconds, which sorts as text.
    /// Written by hand (`gmtime_r` and digits): the annotating routes stamp several rows per request, and
    /// Foundation's ISO 8601 style cost more than the rest of the stamping work.
    static func timestamp(_ date: Date = Date()) -> String {
        let since1970 = date.timeIntervalSince1970
        var seconds = time_t(since1970.rounded(.down))
        let milliseconds = Int((since1970 - Double(seconds)) * 1000)  // truncated, as Foundation's style does
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = [UInt8]()
        text.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        let fields: [(value: Int, width: Int, after: Character)] = [
            (Int(parts.tm_year) + 1900, 4, "-"), (Int(parts.tm_mon) + 1, 2, "-"), (Int(parts.tm_mday), 2, "T"),
            (Int(parts.tm_hour), 2, ":"), (Int(parts.tm_min), 2, ":"), (Int(parts.tm_sec), 2, "."), (milliseconds, 3, "Z"),
        ]
        for field in fields {
            digits(field.value, field.width)
            text.append(field.after.asciiValue!)
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The caches behind `AppDatabase`'s request-path reads: five seconds at most behind another process's change.
final class RecentReads: Sendable {
    struct Membership: Hashable, Sendable {
        var project: Int64
        var user: Int64
    }

    let sessions = ReadCache<String, Session>(lifetime: .seconds(5))
    let projects = ReadCache<Int64, Project>(lifetime: .seconds(5))
    let memberships = ReadCache<Membership, Bool>(lifetime: .seconds(5))
}

/// An error a person can act on.
public struct StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable { case notFound, forbidden, conflict, invalid, tooLarge }
    public let kind: Kind
    public let message: String
    /// Whether doing it again may work (two servers' transactions crossed; see `PostgresServerStore.transaction`).
    let retriable: Bool

    public init(_ kind: Kind, _ message: String) {
        self.init(kind, message, retriable: false)
    }

    init(_ kind: Kind, _ message: String, retriable: Bool) {
        self.kind = kind
        self.message = message
        self.retriable = retriable
    }

    public var description: String { message }
}
