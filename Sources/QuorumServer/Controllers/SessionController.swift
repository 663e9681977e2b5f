import Foundation
import Hummingbird
import NIOPosix
import QuorumCore
import QuorumStore

/// Signing in and out, as pages (forms) and as the JSON API.
struct SessionController {
    let database: AppDatabase
    let pages: PageRenderer
    let throttle: LoginThrottle
    let secureCookies: Bool
    static let lifetime: TimeInterval = 7 * 24 * 3600

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/login") { _, _ in try pages.render("login", ["title": "Sign in"]) }
        router.post("/login") { request, context in try await formLogin(request, context) }
        router.post("/logout") { _, context in try logout(context, redirect: true) }
        router.post("/api/login") { request, context in try await apiLogin(request, context) }
        router.post("/api/logout") { _, context in try logout(context, redirect: false) }
        router.get("/api/me") { _, context in
            guard let session = context.session else { return API.error(.unauthorized, "not signed in") }
            return API.json(["user": session.user.json, "csrf": .string(session.csrf)])
        }
    }

    enum LoginResult { case success(String, Session), wrong, tooMany(Int) }

    func login(username: String, password: String) async throws -> LoginResult {
        if case .refuse(let retryAfter) = await throttle.check(username) { return .tooMany(retryAfter) }
        if case .allow(let delay) = await throttle.check(username), delay > 0 {
            try await Task.sleep(for: .seconds(delay))
        }
        let found = try database.credentials(username: username)
        // bcrypt is slow on purpose: keep it off the event loops.
        let valid = try await NIOThreadPool.singleton.runIfActive {
            guard let (user, hash) = found, let hash, !user.disabled else {
                _ = Passwords.verify(password, hash: Self.dummyHash)  // same time whether or not the user exists
                return false
            }
            return Passwords.verify(password, hash: hash)
        }
        guard valid, let user = found?.0 else {
            await throttle.failed(username)
            return .wrong
        }
        await throttle.succeeded(username)
        let (token, session) = try database.createSession(for: user, lifetime: Self.lifetime)
        return .success(token, session)
    }

    static let dummyHash = Passwords.hash("not a password of anyone's")

    func cookie(_ token: String, maxAge: Int) -> Cookie {
        Cookie(name: SessionMiddleware.cookieName, value: token, maxAge: maxAge, path: "/", secure: secureCookies,
               httpOnly: true, sameSite: .strict)
    }

    func apiLogin(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await API.body(request, context: context)
        guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
            return API.error(.badRequest, "send {\"username\": ..., \"password\": ...}")
        }
        switch try await login(username: username, password: password) {
        case .success(let token, let session):
            var response = API.json(["user": session.user.json, "csrf": .string(session.csrf)])
            response.setCookie(cookie(token, maxAge: Int(Self.lifetime)))
            return response
        case .wrong:
            return API.error(.unauthorized, "wrong user name or password")
        case .tooMany(let retryAfter):
            var response = API.error(.tooManyRequests, "too many failed sign-ins for \(username): try again in \(retryAfter / 60 + 1) minutes")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        }
    }

    func formLogin(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = FormBody(try await request.body.collect(upTo: 1 << 16))
        let username = form.fields["username"] ?? ""
        switch try await login(username: username, password: form.fields["password"] ?? "") {
        case .success(let token, _):
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(cookie(token, maxAge: Int(Self.lifetime)))
            return response
        case .wrong:
            return try pages.render("login", ["title": "Sign in", "error": "Wrong user name or password.", "username": username], status: .unauthorized)
        case .tooMany(let retryAfter):
            return try pages.render("login", ["title": "Sign in", "error": "Too many failed attempts: try again in \(retryAfter / 60 + 1) minutes.",
                                              "username": username], status: .tooManyRequests)
        }
    }

    func logout(_ context: AppRequestContext, redirect: Bool) throws -> Response {
        if let token = context.token { try database.deleteSession(token: token) }
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
