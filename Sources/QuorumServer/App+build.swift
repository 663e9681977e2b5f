import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import Mustache
import QuorumCore
import QuorumStore

/// Where and how the server listens.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var resources: Resources
    /// Mark the session cookie `Secure` (set when Quorum is served over HTTPS, directly or behind a proxy).
    public var secureCookies: Bool
    /// Where exports made in the browser are written, one folder each.
    public var exportsDirectory: String
    /// The most an import upload may hold, as sent and once decompressed.
    public var maxUploadBytes: Int
    /// How long a connection may stay open with no request (and a request's head may take to arrive), and the
    /// longest wait for the next bytes of a body, in seconds.
    public var idleTimeout: Int64
    /// The most connections held open at once; past it new ones wait in the kernel's queue.
    public var maxConnections: Int
    /// How many of them are kept for people who are signed in (see `ConnectionSlots`).
    public var reservedConnections: Int
    /// How long a model run this server drives stays its own without word from it: past that, another server (or
    /// this one, started again) takes the run over (`RunManager`).
    public var runLease: Duration
    /// How sign-in attempts are paced on SQLite (on PostgreSQL the store paces them, `PostgresServerStore.open`).
    public var signInPace: SignInPace
    /// The proxies whose `X-Forwarded-For` is believed (their addresses as `ServerSettings.proxyAddress` writes them).
    public var trustedProxies: Set<String>

    public init(host: String = "127.0.0.1", port: Int = 8080, resources: Resources, secureCookies: Bool = false,
                exportsDirectory: String, maxUploadBytes: Int = 1 << 30, idleTimeout: Int64 = 30,
                maxConnections: Int = 4_096, reservedConnections: Int? = nil, runLease: Duration = .seconds(30),
                signInPace: SignInPace = SignInPace(), trustedProxies: Set<String> = []) {
        self.host = host
        self.port = port
        self.resources = resources
        self.secureCookies = secureCookies
        self.exportsDirectory = exportsDirectory
        self.maxUploadBytes = maxUploadBytes
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.reservedConnections = reservedConnections ?? max(2, maxConnections / 16)
        self.runLease = runLease
        self.signInPace = signInPace
        self.trustedProxies = trustedProxies
    }
}

/// Builds the HTTP application: middleware, static files, pages and the JSON API over one database.
public func buildApplication(
    database: any Store, settings: ServerSettings, logger: Logger = Logger(label: "quorum"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    ProjectExport.removeLeftovers(under: settings.exportsDirectory)
    // A browser import cut short by this server's last stop left hidden items (see `importItems(staged:)`).
    _ = try await database.discardUnfinishedImports()
    let templates = try await MustacheLibrary(directory: settings.resources.templates.path)
    let version = settings.resources.staticVersion()
    let pages = PageRenderer(library: templates, staticBase: "/static/\(version)")

    // HEAD is answered for every page and file as GET would be, without the body.
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestLogMiddleware(logger: logger))
    if !settings.trustedProxies.isEmpty { router.add(middleware: ForwardedForMiddleware(trustedProxies: settings.trustedProxies)) }
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: PathCheckMiddleware())
    router.add(middleware: CompressionMiddleware())
    router.add(middleware: StaticVersionMiddleware(version: version))
    router.add(middleware: FileMiddleware(settings.resources.publicFiles.path, urlBasePath: "/static",
                                          cacheControl: .init([(MediaType(type: .any), [.noCache])]), logger: logger))
    router.add(middleware: BodyLimitMiddleware(limits: BodyLimits(upload: settings.maxUploadBytes, idleTimeout: .seconds(settings.idleTimeout))))
    router.add(middleware: SessionMiddleware(database: database))
    router.add(middleware: PageErrorMiddleware(pages: pages, logger: logger, filesPath: "/static"))
    router.get("/favicon.ico") { _, _ in Response(status: .movedPermanently, headers: [.location: "/static/\(version)/favicon.svg"]) }
    HomeController(database: database, pages: pages).addRoutes(to: router)
    SessionController(database: database, pages: pages, throttle: (database as? any SignInAttempts) ?? LoginThrottle(pace: settings.signInPace), checks: PasswordChecks(), secureCookies: settings.secureCookies).addRoutes(to: router)
    ProjectsController(database: database, uploadLimit: settings.maxUploadBytes).addRoutes(to: router)
    let agreements = AgreementCache(database: database)
    AnnotateController(database: database, pages: pages, snapshots: AgreementSnapshots(database: database, agreements: agreements, logger: logger),
                       spanSuggestions: SpanSuggestions(database: database, logger: logger)).addRoutes(to: router)
    ReviewController(database: database, pages: pages, agreements: agreements).addRoutes(to: router)
    SettingsController(database: database, pages: pages).addRoutes(to: router)
    ExportController(database: database, pages: pages, directory: settings.exportsDirectory).addRoutes(to: router)
    GoldController(database: database).addRoutes(to: router)
    ItemsController(database: database, pages: pages).addRoutes(to: router)
    let runs = RunManager(database: database, lease: settings.runLease, logger: logger)
    RunsController(database: database, pages: pages, runs: runs).addRoutes(to: router)
    JudgingController(database: database, pages: pages).addRoutes(to: router)
    TokensController(database: database, pages: pages).addRoutes(to: router)
    WatchController(database: database, pages: pages).addRoutes(to: router)

    let slots = ConnectionSlots(limit: settings.maxConnections, reserved: settings.reservedConnections)
    let signedIn: @Sendable (String) async -> Bool = { token in (try? await database.session(token: token)) != nil }
    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [ReservedSlotGate(slots: slots, grace: .seconds(1), isSignedIn: signedIn)],
                                            idleTimeout: .seconds(settings.idleTimeout))),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Quorum",
                             availableConnectionsDelegate: CountedConnections(slots: slots)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
    app.addServices(RunSweeper(runs: runs))
    return app
}
