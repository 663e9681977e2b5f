import Foundation
import Hummingbird
import Logging
import Mustache
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

    public init(host: String = "127.0.0.1", port: Int = 8080, resources: Resources, secureCookies: Bool = false,
                exportsDirectory: String) {
        self.host = host
        self.port = port
        self.resources = resources
        self.secureCookies = secureCookies
        self.exportsDirectory = exportsDirectory
    }
}

/// Builds the HTTP application: middleware, static files, pages and the JSON API over one database.
public func buildApplication(
    database: AppDatabase, settings: ServerSettings, logger: Logger = Logger(label: "quorum"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let templates = try await MustacheLibrary(directory: settings.resources.templates.path)
    let pages = PageRenderer(library: templates)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware(logger: logger))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: FileMiddleware(settings.resources.publicFiles.path, urlBasePath: "/static",
                                          cacheControl: .init([(MediaType(type: .any), [.noCache])]), logger: logger))
    router.add(middleware: SessionMiddleware(database: database))
    HomeController(database: database, pages: pages).addRoutes(to: router)
    SessionController(database: database, pages: pages, throttle: LoginThrottle(), secureCookies: settings.secureCookies).addRoutes(to: router)
    ProjectsController(database: database).addRoutes(to: router)
    AnnotateController(database: database, pages: pages, snapshots: AgreementSnapshots(database: database, logger: logger)).addRoutes(to: router)
    ReviewController(database: database, pages: pages).addRoutes(to: router)
    SettingsController(database: database, pages: pages).addRoutes(to: router)
    ExportController(database: database, pages: pages, directory: settings.exportsDirectory).addRoutes(to: router)
    GoldController(database: database).addRoutes(to: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Quorum"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}
