import ArgumentParser
import Foundation
import Hummingbird
import Logging
import QuorumCore
import QuorumServer
import QuorumStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web workbench.",
        discussion: """
            On an empty database an `admin` account is created and its password printed once \
            (or taken from QUORUM_ADMIN_PASSWORD). Stops cleanly on Ctrl+C or SIGTERM. \
            On PostgreSQL (--database postgres://…) any number of servers may share one database behind a proxy: \
            give them one --exports-dir (a folder they all reach) so that each serves the others' exports.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0 picks a free one).") var port = 8080
    @Flag(help: "Add the demo projects when the database has no projects (on PostgreSQL: when it is empty).") var demo = false
    @Flag(help: "Mark the session cookie Secure: set this when Quorum is reached over HTTPS (e.g. behind a TLS proxy).")
    var secureCookies = false
    @Option(help: "The most an import uploaded in the browser may hold, in MB, as sent and once decompressed.")
    var maxUploadMb = 1024
    @Option(help: "Seconds a connection may stay idle, or a request's body may stop arriving, before it is closed.")
    var requestTimeout: Int64 = 30
    @Option(help: "The most connections open at once; past it new ones wait.") var maxConnections = 4_096
    @Option(help: "How many of those are kept for signed-in people (default: a sixteenth, at least 2).") var reservedConnections: Int?
    @Option(help: "Where exports made in the browser are written (default: beside the SQLite file, or ./quorum-exports on PostgreSQL).")
    var exportsDir: String?
    @Option(help: "On PostgreSQL: the most connections this server opens to it.") var databaseConnections = 20
    @Option(help: "Seconds a model run this server drives stays its own without word from it; past that another server (or this one, started again) takes it over.")
    var runLease = 30
    @Option(help: "Seconds a sign-in must wait after five failed attempts at one name from one address; the wait doubles with each failure after, up to 5 minutes.")
    var signInWait: Double = 2
    @Option(name: .customLong("trusted-proxy"),
            help: ArgumentHelp("The IP address of a reverse proxy in front of this server (repeat for several): the sign-in throttle then paces by the client address the proxy gives in X-Forwarded-For.",
                               valueName: "address"))
    var trustedProxies: [String] = []

    func validate() throws {
        guard signInWait > 0 && signInWait <= 300 else { throw ValidationError("--sign-in-wait must be more than 0 and at most 300 seconds.") }
        for proxy in trustedProxies where ServerSettings.proxyAddress(proxy) == nil {
            throw ValidationError("--trusted-proxy \(proxy): give the proxy's IP address as it connects to this server (such as 10.0.0.10 or ::1), one per flag; ranges and names are not taken.")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let signInPace = SignInPace(firstWait: signInWait)
            let resources: Resources
            do { resources = try Resources.locate() } catch { throw CLIError("\(error)") }
            let db: any Store, exports: String, shared: PostgresServerStore?
            switch try database.address() {
            case .sqlite(let path):
                (db, exports, shared) = (try DatabaseOptions.open(path), exportsDir ?? path + "-exports", nil)
            case .postgres(let address):
                let store: PostgresServerStore
                do { store = try await PostgresServerStore.open(address, connections: databaseConnections, signInPace: signInPace) } catch { throw CLIError("\(error)") }
                (db, exports, shared) = (store, exportsDir ?? "quorum-exports", store)
                // Advice only: a database server whose settings cannot be read is still served.
                for warning in (try? await store.maintenanceWarnings()) ?? [] { Terminal.note("warning: \(warning)") }
                if demo { try await Self.seedDemo(into: address, store: store, resources: resources) }
            }
            if let made = try await Self.makeAdmin(in: db) { print(made) }
            if demo, let file = db as? AppDatabase {
                let added = try await Demo.seed(database: file, resources: resources)
                if !added.isEmpty { print("Added demo projects: \(added.joined(separator: ", ")).") }
            }
            LoggingSystem.bootstrap { LineLogHandler(label: $0) }
            var logger = Logger(label: "quorum")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            let host = self.host
            let app = try await buildApplication(
                database: db, settings: ServerSettings(host: host, port: port, resources: resources, secureCookies: secureCookies,
                                         exportsDirectory: exports, maxUploadBytes: maxUploadMb << 20, idleTimeout: requestTimeout,
                                         maxConnections: maxConnections, reservedConnections: reservedConnections, runLease: .seconds(runLease),
                                         signInPace: signInPace, trustedProxies: Set(trustedProxies.compactMap(ServerSettings.proxyAddress))),
                logger: logger,
                onServerRunning: { port in
                    print("Quorum is serving http://\(host):\(port)/")
                    fflush(stdout)
                })
            try await app.runService()
            await shared?.close()
        }
    }

    /// On an empty database, the first account: `admin`, its password generated or taken from QUORUM_ADMIN_PASSWORD.
    /// What to print once it is there for good (the generated password is shown that once); nil when none was made.
    private static func makeAdmin(in db: any Store) async throws -> String? {
        guard try await db.userCount() == 0 else { return nil }
        let given = ProcessInfo.processInfo.environment["QUORUM_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let password = given ?? Passwords.generate()
        do {
            _ = try await db.createUser(username: "admin", displayName: "Administrator", role: .admin, passwordHash: Passwords.hash(password),
                                        disabled: false)
            return given == nil ? "Created user admin with password: \(password)  (shown once; keep it)" : "Created user admin (password from QUORUM_ADMIN_PASSWORD)."
        } catch let error as StoreError where error.kind == .conflict {
            return nil  // Another server starting on the same database made it first.
        }
    }

    /// The demo on PostgreSQL: made as on SQLite, in a file of its own with the first account, then copied into the
    /// database as `quorum migrate` copies (one transaction) — only into an empty one, as a copy goes.
    private static func seedDemo(into address: PostgresAddress, store: PostgresServerStore, resources: Resources) async throws {
        guard try await store.userCount() == 0 else {
            return print("--demo: this PostgreSQL database already holds accounts or projects, so the demo is not added (it fills an empty one)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("demo.db").path
        let file = try DatabaseOptions.open(path)
        let admin = try await makeAdmin(in: file)
        let added = try await Demo.seed(database: file, resources: resources)
        do {
            _ = try await DatabaseCopy.run(from: .sqlite(path: path), to: .postgres(address))
        } catch {
            // Another server starting with --demo on the same database may have filled it first: its admin, not ours.
            guard try await store.userCount() > 0 else { throw error }
            return
        }
        if let admin { print(admin) }
        print("Added demo projects: \(added.joined(separator: ", ")).")
    }
}
