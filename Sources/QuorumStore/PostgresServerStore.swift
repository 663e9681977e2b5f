import Foundation
import Logging
import PostgresNIO
import QuorumCore
import Synchronization

/// What `quorum serve` keeps on PostgreSQL, for any number of servers on one database: a pool of connections, each
/// request's reads and writes in a transaction of its own, and no cache of rows another server may change (a
/// signed-out session is refused by every server at once). It gives every area of `Store` (`PostgresServerStore+People`,
/// `+Projects`, `+Annotations`, `+Review`, `+Models`, `+Judging`, `+Export`); the command line's export, hold-out and
/// import use `PostgresStore` (one connection).
public final class PostgresServerStore: Sendable {
    let client: PostgresClient
    let address: PostgresAddress
    let logger = Logger(label: "quorum.postgres")
    /// How sign-in attempts are paced (`PostgresServerStore+SignIn`).
    let signInPace: SignInPace
    private let running: Task<Void, Never>
    /// When this server last cleared leases expired a day ago (see `leasesToClear`), in uptime nanoseconds.
    private let leasesCleared = Mutex<UInt64>(0)

    private init(client: PostgresClient, address: PostgresAddress, signInPace: SignInPace) async {
        self.client = client
        self.address = address
        self.signInPace = signInPace
        // Returns once the pool runs: postgres-nio warns (on the terminal of every command) of a connection asked for
        // before `run()` was called. The task goes from the signal straight into `run()`, which marks the pool
        // running before it first waits, while this side has yet to be woken.
        let (started, signal) = AsyncStream<Void>.makeStream()
        running = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
    }

    /// Connects (at most `connections` at once), after bringing the database's schema to this binary's version (an
    /// empty database gets Quorum's tables; servers starting at once take turns).
    public static func open(_ address: PostgresAddress, connections: Int = 20,
                            signInPace: SignInPace = SignInPace()) async throws -> PostgresServerStore {
        let checked = try await PostgresConnector.connect(address) { connection, logger in
            try await PostgresSchema.migrate(connection, logger: logger)
        }
        try? await checked.close()
        return await PostgresServerStore(client: try PostgresConnector.pool(address, connections: connections), address: address, signInPace: signInPace)
    }

    /// Runs `body` on a store connected to `address` (at most `connections` at once), and closes it after.
    public static func using<T>(_ address: PostgresAddress, connections: Int, _ body: (PostgresServerStore) async throws -> T) async throws -> T {
        let store = try await open(address, connections: connections)
        return try await closing({ await store.close() }) { try await body(store) }
    }

    /// Closes the pool's connections once the requests using them are done.
    public func close() async {
        running.cancel()
        await running.value
    }

    /// Whether a hand-out should clear the leases that expired a day ago: once a minute per server is enough (they
    /// only take room), and a statement less on every other hand-out.
    func leasesToClear() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        return leasesCleared.withLock { last in
            guard last == 0 || now - last > 60_000_000_000 else { return false }
            last = now
            return true
        }
    }

    /// The database's clock as SQL that writes the time as `AppDatabase.timestamp` does, `seconds` (SQL for a number,
    /// negative for earlier) later. Item leases, sessions, run holds and agreement snapshots are timed by it, so servers
    /// and commands whose own clocks disagree still agree on whether one has lapsed or is due.
    static func clock(plus seconds: String? = nil) -> String {
        let time = "now() AT TIME ZONE 'UTC'" + (seconds.map { " + (\($0)) * interval '1 second'" } ?? "")
        return "to_char(\(time), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    /// As above, `seconds` later.
    static func clock(plus seconds: Double) -> String {
        precondition(seconds.isFinite, "a time \(seconds) seconds away")
        return clock(plus: "\(seconds)")
    }

    /// A statement's rows, on any connection of the pool (outside a transaction); a write may pass them over.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresColumns] {
        do {
            return try await client.query(query, logger: logger).collect().map(PostgresColumns.init)
        } catch let error as PSQLError {
            throw Self.refusal(query.sql, error)
        }
    }

    /// A hot statement's rows, on any connection of the pool (outside a transaction); a write may pass them over.
    @discardableResult
    func rows<S: HotStatement>(_ statement: S.Type, _ bind: (inout PostgresBindings) throws -> Void) async throws -> [PostgresColumns] {
        try await client.withConnection { try await $0.rows(statement, logger: logger, bind) }
    }

    /// Runs `body` in a transaction (read committed) on one connection, committed if it returns and rolled back if it
    /// throws. A deadlock or a serialization failure between servers is tried again, up to three times.
    func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    let transaction = Transaction(connection: connection, logger: logger)
                    try await transaction.run("BEGIN")
                    do {
                        let result = try await body(transaction)
                        try await transaction.run("COMMIT")
                        return result
                    } catch {
                        try? await transaction.run("ROLLBACK")
                        throw error
                    }
                }
            } catch let error as StoreError where error.retriable && attempt < 3 {
                continue
            }
        }
    }

    /// One connection: inside a transaction (`transaction`), or statement by statement where none should stay open
    /// (`keepSnapshotIfDue`).
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger

        func rows(_ query: PostgresQuery) async throws -> [PostgresColumns] {
            do {
                return try await connection.query(query, logger: logger).collect().map(PostgresColumns.init)
            } catch let error as PSQLError {
                throw PostgresServerStore.refusal(query.sql, error)
            }
        }

        func first(_ query: PostgresQuery) async throws -> PostgresColumns? {
            try await rows(query).first
        }

        func rows<S: HotStatement>(_ statement: S.Type, _ bind: (inout PostgresBindings) throws -> Void) async throws -> [PostgresColumns] {
            try await connection.rows(statement, logger: logger, bind)
        }

        func first<S: HotStatement>(_ statement: S.Type, _ bind: (inout PostgresBindings) throws -> Void) async throws -> PostgresColumns? {
            try await rows(statement, bind).first
        }

        func run<S: HotStatement>(_ statement: S.Type, _ bind: (inout PostgresBindings) throws -> Void) async throws {
            _ = try await rows(statement, bind)
        }

        func run(_ query: PostgresQuery) async throws {
            _ = try await rows(query)
        }
    }

    /// PostgreSQL's refusal as an error a person can act on: a unique key taken (by a request on another server) is a
    /// conflict; deadlocks and serialization failures are marked to be tried again. A NUL character is refused as text
    /// (22021) and inside JSON (22P05, `\u0000` in jsonb: a run's outputs go as JSON).
    static func refusal(_ sql: String, _ error: PSQLError) -> StoreError {
        switch error.serverInfo?[.sqlState] {
        case "23505": return StoreError(.conflict, "this was saved elsewhere meanwhile (\(error.serverInfo?[.constraintName] ?? "a unique key")): reload it")
        case "40001", "40P01": return StoreError(.conflict, "PostgreSQL stopped this to let another change through; try again", retriable: true)
        case "22021", "22P05": return StoreError(.invalid, "a text sent holds a NUL character (\\u0000), which PostgreSQL cannot store: remove it and send again")
        default: return StoreError(.invalid, "PostgreSQL refused \(sql.prefix(60))…: \(String(reflecting: error))")
        }
    }
}
