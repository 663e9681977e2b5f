import Foundation
import Hummingbird
import NIOPosix
import QuorumCore
import QuorumStore

/// Signing in and out, as pages (forms) and as the JSON API.
struct SessionController {
    let database: any Store
    let pages: PageRenderer
    let throttle: any SignInAttempts
    let checks: PasswordChecks
    let secureCookies: Bool
    static let lifetime: TimeInterval = 7 * 24 * 3600

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/login") { _, _ in try pages.render("login", ["title": "Sign in"]) }
        router.post("/login") { request, context in try await formLogin(request, context) }
        router.post("/logout") { _, context in try await logout(context, redirect: true) }
        router.post("/api/login") { request, context in try await apiLogin(request, context) }
        router.post("/api/logout") { _, context in try await logout(context, redirect: false) }
        router.get("/api/me") { _, context in
            guard let session = context.session else { return API.error(.unauthorized, "not signed in") }
            return API.json(["user": session.user.json, "csrf": .string(session.csrf)])
        }
    }

    enum LoginResult { case success(String, Session), wrong, tooMany(Int), busy }

    /// The attempt is counted before the password is checked (see `SignInPace`); bcrypt runs on its own few
    /// threads (`PasswordChecks`).
    func login(username: String, password: String, address: String) async throws -> LoginResult {
        if case .refuse(let retryAfter) = try await throttle.attempt(address: address, username: username) { return .tooMany(retryAfter) }
        let found = try await database.credentials(username: username)
        let valid: Bool
        do {
            valid = try await checks.run {
                guard let (user, hash) = found, let hash, !user.disabled else {
                    _ = Passwords.verify(password, hash: Self.dummyHash)  // same time whether or not the user exists
                    return false
                }
                return Passwords.verify(password, hash: hash)
            }
        } catch is PasswordChecks.Busy {
            return .busy
        }
        guard valid, let user = found?.0 else { return .wrong }
        try await throttle.succeeded(address: address, username: username)
        let (token, session) = try await database.createSession(for: user, lifetime: Self.lifetime)
        return .success(token, session)
    }

    /// A sign-in posted from another site (login CSRF: it would sign the victim in as the attacker) is refused:
    /// browsers say where a request comes from in `Sec-Fetch-Site`, or at least in `Origin`.
    static func crossSite(_ request: Request) -> Bool {
        if let site = request.headers[.secFetchSite] { return site != "same-origin" && site != "none" }
        if let origin = request.headers[.origin], let host = request.head.authority {
            return origin != "http://\(host)" && origin != "https://\(host)"
        }
        return false
    }

    static let dummyHash = Passwords.hash("not a password of anyone's")

    func cookie(_ token: String, maxAge: Int) -> Cookie {
        Cookie(name: SessionMiddleware.cookieName, value: token, maxAge: maxAge, path: "/", secure: secureCookies,
               httpOnly: true, sameSite: .strict)
    }

    func apiLogin(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if Self.crossSite(request) { return API.error(.forbidden, "sign in from Quorum's own pages") }
        let body = try await API.body(request, context: context)
        guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
            return API.error(.badRequest, "send {\"username\": ..., \"password\": ...}")
        }
        switch try await login(username: username, password: password, address: context.clientAddress) {
        case .success(let token, let session):
            var response = API.json(["user": session.user.json, "csrf": .string(session.csrf)])
            response.setCookie(cookie(token, maxAge: Int(Self.lifetime)))
            return response
        case .wrong:
            return API.error(.unauthorized, "wrong user name or password")
        case .tooMany(let retryAfter):
            var response = API.error(.tooManyRequests, "too many failed sign-ins for \(username) from here: try again in \(Self.wait(retryAfter))")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .busy:
            var response = API.error(.serviceUnavailable, "too many sign-ins at once: try again in a moment")
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    func formLogin(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if Self.crossSite(request) {
            return try pages.render("login", ["title": "Sign in", "error": "Sign in from Quorum's own sign-in page."], status: .forbidden)
        }
        let form = FormBody(try await BodyReader.collect(request, context: context))
        let username = form.fields["username"] ?? ""
        switch try await login(username: username, password: form.fields["password"] ?? "", address: context.clientAddress) {
        case .success(let token, _):
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(cookie(token, maxAge: Int(Self.lifetime)))
            return response
        case .wrong:
            return try pages.render("login", ["title": "Sign in", "error": "Wrong user name or password.", "username": username], status: .unauthorized)
        case .tooMany(let retryAfter):
            var response = try pages.render("login", ["title": "Sign in", "error": "Too many failed attempts: try again in \(Self.wait(retryAfter)).",
                                                      "username": username], status: .tooManyRequests)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .busy:
            return try pages.render("login", ["title": "Sign in", "error": "Too many sign-ins at once: try again in a moment.",
                                              "username": username], status: .serviceUnavailable)
        }
    }

    static func wait(_ seconds: Int) -> String {
        seconds < 60 ? "\(seconds) second\(seconds == 1 ? "" : "s")" : "\((seconds + 59) / 60) minutes"
    }

    func logout(_ context: AppRequestContext, redirect: Bool) async throws -> Response {
        if let token = context.token { try await database.deleteSession(token: token) }
        var response = redirect ? Response(status: .seeOther, headers: [.location: "/login"]) : API.json(["signed_out": true])
        response.setCookie(cookie("", maxAge: 0))
        return response
    }
}

extension AppRequestContext {
    /// The signed-in user, or a 401.
    func user() throws -> User {
        guard let user = session?.user else { throw HTTPError(.unauthorized, message: "sign in first") }
        return user
    }

    /// The signed-in user if they are a lead or an admin, or a 403.
    func lead() throws -> User {
        let user = try user()
        guard user.role != .annotator else { throw HTTPError(.forbidden, message: "only leads and admins may do this") }
        return user
    }
}
