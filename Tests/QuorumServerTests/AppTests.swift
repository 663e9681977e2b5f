import Foundation
import Hummingbird
import Logging
import Mustache
import HummingbirdTesting
import Synchronization
import Testing
import QuorumCore
import QuorumStore
import QuorumTestSupport
@testable import QuorumServer

/// A real database in a temporary folder with an admin, a lead and two annotators (password "password1").
struct ServerFixture {
    let folder: TemporaryDirectory
    let database: AppDatabase

    init() throws {
        folder = try TemporaryDirectory()
        database = try AppDatabase(path: folder.path("q.db"))
        let hash = Passwords.hash("password1")
        for (name, role) in [("admin", UserRole.admin), ("lead", .lead), ("ann1", .annotator), ("ann2", .annotator)] {
            try database.createUser(username: name, role: role, passwordHash: hash)
        }
    }

    /// Makes the named users members of `project`.
    func addMembers(_ names: [String], to project: Project) throws {
        for name in names { try database.addMember(project: project, user: try #require(try database.user(named: name))) }
    }

    func app(signInPace: SignInPace = SignInPace(), trustedProxies: Set<String> = []) async throws -> some ApplicationProtocol {
        try await buildApplication(database: database, settings: ServerSettings(port: 0, resources: Resources.locate(), exportsDirectory: folder.path("exports"),
                                                                                signInPace: signInPace, trustedProxies: trustedProxies))
    }
}

/// A signed-in client: the session cookie and CSRF token to send.
struct Client {
    let cookie: String
    let csrf: String

    static func login(_ client: some TestClientProtocol, _ username: String, password: String = "password1") async throws -> Client {
        try await client.execute(uri: "/api/login", method: .post, body: ByteBuffer(string: #"{"username": "\#(username)", "password": "\#(password)"}"#)) { response in
            #expect(response.status == .ok)
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.lowercased().contains("samesite=strict"))
            let body = try JSONParser.parse(String(buffer: response.body))
            return Client(cookie: String(setCookie.split(separator: ";")[0]), csrf: try #require(body["csrf"]?.stringValue))
        }
    }

    func headers(csrf withToken: Bool = true) -> HTTPFields {
        var fields: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
        if withToken { fields[.csrfToken] = csrf }
        return fields
    }

    /// The id of the next item `GET /api/projects/{id}/next` gives this user.
    func nextItemID(_ client: some TestClientProtocol, in project: Project) async throws -> Int {
        let (_, next) = try await call(client, .get, "/api/projects/\(project.id)/next")
        return try #require(next["item"]?["id"]?.intValue)
    }

    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
              csrf: Bool = true) async throws -> (HTTPResponse.Status, JSONValue) {
        try await client.execute(uri: uri, method: method, headers: headers(csrf: csrf), body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            return (response.status, text.isEmpty ? .null : try JSONParser.parse(text))
        }
    }
}

@Suite struct PageTests {
    @Test func homePageNeedsASessionAndEscapesNames() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "<script>alert(1)</script>", kind: .classify, labels: ["a"])
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
            let lead = try await Client.login(client, "lead")
            try await client.execute(uri: "/", method: .get, headers: [.cookie: lead.cookie]) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(!body.contains("<script>alert"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.referrerPolicy] == "same-origin")
            }
            try await client.execute(uri: "/static/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.contains("javascript") == true)
            }
            // A project's own address, as people shorten a link, leads to its annotating page.
            try await client.execute(uri: "/projects/\(project.id)", method: .get, headers: [.cookie: lead.cookie]) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/projects/\(project.id)/annotate")
            }
        }
    }

    /// Pages link their static files under a version (a digest of the files), cached for good; text goes gzipped
    /// to clients that take it; the favicon is there.
    @Test func staticFilesAreVersionedCachedAndCompressed() async throws {
        let fixture = try ServerFixture()
        try await fixture.app().test(.router) { client in
            let version = try Resources.locate().staticVersion()
            try await client.execute(uri: "/login", method: .get, headers: [.acceptEncoding: "gzip, br"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(response.body.readableBytes < 1_500)
            }
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body).contains("/static/\(version)/quorum.css"))
            }
            for _ in 0..<2 {  // the second answer comes from the kept compressed bytes
                try await client.execute(uri: "/static/\(version)/spans.js", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                    #expect(response.headers[.contentEncoding] == "gzip")
                    let original = try Data(contentsOf: Resources.locate().publicFiles.appendingPathComponent("spans.js"))
                    #expect(response.body.readableBytes < original.count / 2)
                }
            }
            try await client.execute(uri: "/favicon.ico", method: .get) { response in
                #expect(response.status == .movedPermanently)
                #expect(response.headers[.location] == "/static/\(version)/favicon.svg")
            }
            // A file opened in the browser's own tab (a navigation) is the file too, not a page saying it is missing.
            try await client.execute(uri: "/static/\(version)/quorum.css", method: .get, headers: [.secFetchMode: "navigate", .accept: "text/html"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("--accent"))
            }
            try await client.execute(uri: "/static/\(version)/no-such-file.js", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    /// A page the browser is sent to that fails answers with a page saying why and the way back, under the failure's
    /// status; a script asking the same address still gets the JSON error.
    @Test func pagesThatFailAnswerTheBrowserWithAPage() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["a"])
        try await fixture.app().test(.router) { client in
            let page: HTTPFields = [.secFetchMode: "navigate", .accept: "text/html"]
            try await client.execute(uri: "/no/such/page", method: .get, headers: page) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("<h1>Not found</h1>") && body.contains("There is no page at this address."))
                #expect(body.contains(#"<a href="/">Back to your projects</a>"#) && !body.contains("signout"))
            }
            let lead = try await Client.login(client, "lead")
            var signedIn = page
            signedIn[.cookie] = lead.cookie
            try await client.execute(uri: "/projects/999/export", method: .get, headers: signedIn) { response in
                #expect(response.status == .notFound)
                let body = String(buffer: response.body)
                #expect(body.contains("No such project.") && body.contains(#"<span class="who">lead</span>"#))
            }
            // A browser too old to say how it asks is known by asking for HTML.
            try await client.execute(uri: "/exports/999", method: .get, headers: [.cookie: lead.cookie, .accept: "text/html,*/*"]) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("No such export."))
            }
            for script in [[.cookie: lead.cookie, .secFetchMode: "cors", .accept: "text/html"], [.cookie: lead.cookie]] as [HTTPFields] {
                try await client.execute(uri: "/projects/999/export", method: .get, headers: script) { response in
                    #expect(response.status == .notFound)
                    #expect(String(buffer: response.body) == #"{"error":{"message":"no such project"}}"#)
                }
            }
            // An address no route answers is said so to a script too, rather than with an empty 404.
            try await client.execute(uri: "/api/projects/\(project.id)/nothing", method: .get, headers: [.cookie: lead.cookie]) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body) == #"{"error":{"message":"no route answers GET /api/projects/\#(project.id)/nothing"}}"#)
            }
            #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "my card was charged twice").0 == .ok)
            try fixture.addMembers(["ann1"], to: project)
            let ann1 = try await Client.login(client, "ann1")
            let itemID = try await ann1.nextItemID(client, in: project)
            #expect(try await ann1.call(client, .put, "/api/items/\(itemID)/annotation", #"{"status": "submitted", "labels": ["a"], "version": 0}"#).0 == .ok)
            let (_, made) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"format": "csv"}"#)
            let exportID = try #require(made["export"]?.intValue)
            try FileManager.default.removeItem(atPath: fixture.folder.path("exports"))
            try await client.execute(uri: "/api/exports/\(exportID)/files/report.md", method: .get, headers: signedIn) { response in
                #expect(response.status == .gone)
                let body = String(buffer: response.body)
                #expect(body.contains("The files of this export are no longer on the server: they were written to \(fixture.folder.path("exports"))/"))
                #expect(body.contains("one --exports-dir they all reach)."))
            }
        }
    }

    /// A failure no route foresaw: a page says so without showing the error's text, and the log has the error, for a
    /// page as for the API (Hummingbird alone logs it only at debug level).
    @Test func anUnforeseenFailureKeepsItsDetailsInTheLog() async throws {
        struct Broken: Error { let secret = "password=hunter2" }
        let lines = LogLines()
        let logger = Logger(label: "test") { _ in lines }
        let pages = PageRenderer(library: try await MustacheLibrary(directory: Resources.locate().templates.path), staticBase: "/static/x")
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: PageErrorMiddleware(pages: pages, logger: logger, filesPath: "/static"))
        router.get("/broken") { _, _ -> Response in throw Broken() }
        router.get("/api/broken") { _, _ -> Response in throw Broken() }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/broken", method: .get, headers: [.secFetchMode: "navigate"]) { response in
                #expect(response.status == .internalServerError)
                let body = String(buffer: response.body)
                #expect(body.contains("<h1>Something went wrong</h1>") && body.contains("what happened is in its log"))
                #expect(!body.contains("hunter2"))
            }
            try await client.execute(uri: "/api/broken", method: .get) { response in
                #expect(response.status == .internalServerError)
            }
        }
        let failures = lines.all.filter { $0.contains("failed:") && $0.contains("hunter2") }
        #expect(failures.count == 2 && failures[0].contains("GET /broken") && failures[1].contains("GET /api/broken"), "\(lines.all)")
    }

    @Test func demoProjectsImportCleanly() async throws {
        let folder = try TemporaryDirectory()
        let database = try AppDatabase(path: folder.path("q.db"))
        let added = try await Demo.seed(database: database, resources: Resources.locate())
        #expect(added.count == 7)
        let summaries = try database.projectSummaries()
        #expect(summaries.map(\.project.kind) == [.chat, .classify, .spans, .classify, .compare, .rate, .watch])
        #expect(summaries.prefix(4).allSatisfy { $0.items >= 30 })
        #expect(try await Demo.seed(database: database, resources: Resources.locate()).isEmpty)
        // The watched bot: v1 slipping in its last week, alerted; v2 steady.
        let watch = try database.watchTrend(of: summaries[6].project, by: .week)
        #expect(Set(watch.rows.map(\.version)) == ["support-bot:v1", "support-bot:v2"])
        #expect(watch.alerts.map(\.version) == ["support-bot:v1"])
        // The model loop, offline: two recorded runs on the hold-out, the fine-tuned one ahead, and their answers
        // waiting to be judged blind: 20 pairs, 40 answers to rate.
        #expect(summaries[4...5].map(\.items) == [20, 40])
        let evaluation = summaries[3].project
        let all = try database.runs(of: evaluation)
        // …and the fine-tuned model's recorded suggestions, a tenth withheld.
        let suggesting = try #require(all.first { $0.purpose == .suggest })
        let counts = try database.suggestionCounts(of: suggesting)
        #expect((counts.suggested, counts.withheld, counts.failed) == (27, 3, 0))
        let runs = all.filter { $0.purpose == .score }
        #expect(runs.count == 2 && runs.allSatisfy { $0.answered == 20 && $0.message?.contains("no endpoint") == true })
        let scores = try runs.map { try database.evaluate($0, in: evaluation).accuracy ?? 0 }
        #expect(scores.sorted() == [0.6, 0.9])
    }
}

@Suite struct APITests {
    @Test func loginLogoutAndMe() async throws {
        let fixture = try ServerFixture()
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/login", method: .post, body: ByteBuffer(string: #"{"username": "ann1", "password": "nope"}"#)) { response in
                #expect(response.status == .unauthorized)
            }
            let ann = try await Client.login(client, "ann1")
            let (status, me) = try await ann.call(client, .get, "/api/me")
            #expect(status == .ok && me["user"]?["username"] == "ann1" && me["csrf"]?.stringValue == ann.csrf)
            #expect(try await ann.call(client, .post, "/api/logout").0 == .ok)
            #expect(try await ann.call(client, .get, "/api/me").0 == .unauthorized)
        }
    }

    @Test func repeatedFailuresAreRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.app().test(.router) { client in
            var last = HTTPResponse.Status.ok
            for _ in 0..<11 {
                last = try await client.execute(uri: "/api/login", method: .post, body: ByteBuffer(string: #"{"username": "ann2", "password": "wrong"}"#)) { $0.status }
            }
            #expect(last == .tooManyRequests)
        }
    }

    /// Behind a trusted proxy, sign-ins are paced by the client address it forwards: guesses from one client do not
    /// slow the same person signing in from another. From any other peer the header is not believed.
    @Test func behindATrustedProxyGuessesArePacedByTheirOwnAddress() async throws {
        let fixture = try ServerFixture()
        @Sendable func signIn(_ client: some TestClientProtocol, _ password: String, from forwarded: String) async throws -> HTTPResponse.Status {
            try await client.execute(uri: "/api/login", method: .post, headers: [.xForwardedFor: forwarded],
                                     body: ByteBuffer(string: #"{"username": "ann2", "password": "\#(password)"}"#)) { $0.status }
        }
        // A first wait of five minutes: on a busy machine the guesses must not outlast the default two seconds.
        let pace = SignInPace(firstWait: 300)
        try await fixture.app(signInPace: pace, trustedProxies: ["127.0.0.1"]).test(.live) { client in
            var last = HTTPResponse.Status.ok
            for _ in 0..<8 { last = try await signIn(client, "wrong", from: "203.0.113.5") }
            #expect(last == .tooManyRequests)
            #expect(try await signIn(client, "password1", from: "203.0.113.5") == .tooManyRequests)
            // What a client writes into the header itself is to the left of what the proxy adds, and not believed.
            #expect(try await signIn(client, "password1", from: "198.51.100.7, 203.0.113.5") == .tooManyRequests)
            #expect(try await signIn(client, "password1", from: "198.51.100.7") == .ok)
        }
        try await fixture.app(signInPace: pace).test(.live) { client in
            for _ in 0..<8 { _ = try await signIn(client, "wrong", from: "203.0.113.5") }
            #expect(try await signIn(client, "password1", from: "198.51.100.7") == .tooManyRequests)
        }
    }

    @Test func changesWithoutTheCSRFTokenAreRefusedAndChangeNothing() async throws {
        let fixture = try ServerFixture()
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            let (status, _) = try await lead.call(client, .post, "/api/projects", #"{"name": "X", "kind": "chat"}"#, csrf: false)
            #expect(status == .forbidden)
            #expect(try fixture.database.projectSummaries().isEmpty)
            let (created, project) = try await lead.call(client, .post, "/api/projects", #"{"name": "X", "kind": "chat"}"#)
            #expect(created == .created && project["name"] == "X")
        }
    }

    @Test func annotatorsAreBlindAndVersionsGuardAgainstLostUpdates() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["refund", "card"], annotatorsPerItem: 2)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            let (imported, summary) = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "first ticket\nsecond ticket\n")
            #expect(imported == .ok && summary["imported"] == 2)
            let ann1 = try await Client.login(client, "ann1")
            #expect(try await ann1.call(client, .get, "/api/projects/\(project.id)/next").0 == .forbidden)
            for name in ["ann1", "ann2"] {
                #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/members", #"{"username": "\#(name)"}"#).0 == .ok)
            }
            let (_, next) = try await ann1.call(client, .get, "/api/projects/\(project.id)/next")
            let itemID = try #require(next["item"]?["id"]?.intValue)
            #expect(next["annotation"] == .null)

            let (bad, error) = try await ann1.call(client, .put, "/api/items/\(itemID)/annotation", #"{"status": "submitted", "labels": ["nope"], "version": 0}"#)
            #expect(bad == .unprocessableContent && error["error"]?["field"] == "labels[0]")
            let (ok, saved) = try await ann1.call(client, .put, "/api/items/\(itemID)/annotation", #"{"status": "submitted", "labels": ["refund"], "version": 0}"#)
            #expect(ok == .ok && saved["version"] == 1)
            let (stale, _) = try await ann1.call(client, .put, "/api/items/\(itemID)/annotation", #"{"status": "submitted", "labels": ["card"], "version": 0}"#)
            #expect(stale == .conflict)

            let ann2 = try await Client.login(client, "ann2")
            let (_, other) = try await ann2.call(client, .get, "/api/projects/\(project.id)/next")
            #expect(other["item"]?["id"]?.intValue == itemID)
            #expect(other["annotation"] == .null)
            #expect(try await ann2.call(client, .put, "/api/items/\(itemID)/annotation", #"{"status": "submitted", "labels": ["card"], "version": 0}"#).0 == .ok)
            #expect(try await ann2.call(client, .get, "/api/items/\(itemID)/annotations").0 == .forbidden)
            let (_, ownView) = try await ann2.call(client, .get, "/api/items/\(itemID)")
            #expect(ownView["annotation"]?["labels"] == ["card"])

            let (seen, all) = try await lead.call(client, .get, "/api/items/\(itemID)/annotations")
            #expect(seen == .ok)
            #expect(all.arrayValue?.map { $0["labels"] } == [["refund"], ["card"]])
            let events = try fixture.database.annotations(itemID: Int64(itemID)).count
            #expect(events == 2)
        }
    }

    @Test func leasesKeepTwoAnnotatorsOffTheSameSlot() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "One each", kind: .classify, labels: ["a"], annotatorsPerItem: 1)
        for name in ["ann1", "ann2"] {
            let user = try fixture.database.user(named: name)
            try fixture.database.addMember(project: project, user: try #require(user))
        }
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            _ = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "one\ntwo\n")
            let ann1 = try await Client.login(client, "ann1"), ann2 = try await Client.login(client, "ann2")
            async let first = ann1.call(client, .get, "/api/projects/\(project.id)/next")
            async let second = ann2.call(client, .get, "/api/projects/\(project.id)/next")
            let (a, b) = try await (first, second)
            #expect(a.1["item"]?["id"] != b.1["item"]?["id"])
            // Both slots are taken: a third ask by ann1 gets the same item back, not a new one.
            let (_, again) = try await ann1.call(client, .get, "/api/projects/\(project.id)/next")
            #expect(again["item"]?["id"] == a.1["item"]?["id"])
        }
    }

    @Test func chatCorrectionsMustKeepTheFormat() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Chats", kind: .chat)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            let line = #"{"messages": [{"role": "user", "content": "**hi** <img src=x onerror=alert(1)>"}, {"role": "assistant", "content": "hello"}]}"#
            _ = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=chat", line)
            let (_, next) = try await lead.call(client, .get, "/api/projects/\(project.id)/next")
            let itemID = try #require(next["item"]?["id"]?.intValue)
            let rendered = next["item"]?["rendered"]?.arrayValue?.first?.stringValue ?? ""
            #expect(rendered.contains("<strong>hi</strong>"))
            #expect(!rendered.contains("<img"))
            #expect(rendered.contains("&lt;img src=x onerror=alert(1)&gt;"))
            let (bad, error) = try await lead.call(client, .put, "/api/items/\(itemID)/annotation",
                                                   #"{"status": "submitted", "messages": [{"role": "robot", "content": "x"}], "version": 0}"#)
            #expect(bad == .unprocessableContent && error["error"]?["field"] == "messages[0].role")
        }
    }
}

@Suite struct SettingsPageTests {
    func form(_ client: some TestClientProtocol, _ who: Client, _ uri: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .post, headers: [.cookie: who.cookie, .contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: body + "&csrf=" + who.csrf)) { ($0.status, String(buffer: $0.body)) }
    }

    @Test func leadsChangeSettingsButNotLabelsInUse() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "P", kind: .classify, labels: ["a", "b"])
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            try fixture.addMembers(["lead"], to: project)  // a lead annotates as a member (else the page only previews)
            _ = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "one\n")
            let (_, next) = try await lead.call(client, .get, "/api/projects/\(project.id)/next")
            let itemID = try #require(next["item"]?["id"]?.intValue)
            _ = try await lead.call(client, .put, "/api/items/\(itemID)/annotation", #"{"status": "submitted", "labels": ["b"], "version": 0}"#)

            let (saved, page) = try await form(client, lead, "/projects/\(project.id)/settings",
                                               "labels=a%0D%0Ab%0D%0Ac&annotators_per_item=3&guidelines=%23+Be+*kind*&multi_label=on")
            #expect(saved == .ok && page.contains("Saved."))
            #expect(page.contains("<em>kind</em>"))
            let stored = try fixture.database.project(String(project.id))
            #expect(stored?.labels == ["a", "b", "c"] && stored?.annotatorsPerItem == 3 && stored?.multiLabel == true)

            let (refused, message) = try await form(client, lead, "/projects/\(project.id)/settings", "labels=a&annotators_per_item=1")
            #expect(refused == .unprocessableContent && message.contains("is used by 1 annotation:"))

            let ann = try await Client.login(client, "ann1")
            #expect(try await form(client, ann, "/projects/\(project.id)/settings", "labels=x&annotators_per_item=1").0 == .forbidden)
        }
    }

    @Test func adminsAddUsersWithAGeneratedPassword() async throws {
        let fixture = try ServerFixture()
        try await fixture.app().test(.router) { client in
            let admin = try await Client.login(client, "admin")
            let (status, page) = try await form(client, admin, "/admin/users", "username=newbie&role=annotator&password=")
            #expect(status == .ok && page.contains("Added newbie. Their password (shown once):"))
            #expect(try fixture.database.user(named: "newbie")?.role == .annotator)
            let lead = try await Client.login(client, "lead")
            #expect(try await form(client, lead, "/admin/users", "username=x&role=admin").0 == .forbidden)
        }
    }
}

@Suite struct MarkdownTests {
    @Test func rendersAndDropsRawHTML() {
        let html = Markdown.html("# Title\n\n**bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))\n\n<script>alert(1)</script>")
        #expect(html.contains("<h1>Title</h1>"))
        #expect(html.contains("<strong>bold</strong>"))
        #expect(!html.contains("onerror"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("javascript:"))
    }

    @Test func showsRawHTMLAsTextWhenAsked() {
        let html = Markdown.html("<script>alert(1)</script>\n\nand <b>this</b>", rawHTML: .showAsText)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;b&gt;this&lt;/b&gt;"))
        #expect(!html.contains("<script"))
    }
}

@Suite struct ExportAPITests {
    @Test func leadsExportWhatTwoAnnotatorsAgreedOn() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Replies", kind: .chat, annotatorsPerItem: 2)
        try fixture.addMembers(["ann1", "ann2"], to: project)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            let file = (0..<12).map { #"{"messages": [{"role": "user", "content": "question \#($0)"}, {"role": "assistant", "content": "answer \#($0)"}]}"# }
            #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=chat", file.joined(separator: "\n")).0 == .ok)
            var firstItem: Int64 = 0
            for name in ["ann1", "ann2"] {
                let annotator = try await Client.login(client, name)
                while true {
                    let (_, next) = try await annotator.call(client, .get, "/api/projects/\(project.id)/next")
                    guard let id = next["item"]?["id"]?.intValue else { break }
                    if firstItem == 0 { firstItem = Int64(id) }
                    var messages = try #require(next["item"]?["input"]?["messages"]?.arrayValue)
                    messages[1] = ["role": "assistant", "content": .string("Corrected: " + (messages[1]["content"]?.stringValue ?? ""))]
                    let body: JSONValue = ["status": "submitted", "decision": "accept", "messages": .array(messages), "version": 0]
                    #expect(try await annotator.call(client, .put, "/api/items/\(id)/annotation", body.jsonText).0 == .ok)
                }
                // Annotators neither export nor set gold.
                #expect(try await annotator.call(client, .post, "/api/projects/\(project.id)/exports", "{}").0 == .forbidden)
                #expect(try await annotator.call(client, .put, "/api/items/\(firstItem)/gold", #"{"decision": "reject"}"#).0 == .forbidden)
            }
            // A lead's gold answer wins; a bad one is refused naming the field.
            let (badGold, error) = try await lead.call(client, .put, "/api/items/\(firstItem)/gold", #"{"messages": "no"}"#)
            #expect(badGold == .unprocessableContent && error["error"]?["field"] == "messages")
            #expect(try await lead.call(client, .put, "/api/items/\(firstItem)/gold", #"{"decision": "reject"}"#).0 == .ok)
            #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/exports", "{}", csrf: false).0 == .forbidden)

            let (status, result) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports",
                                                       #"{"format": "openai-chat", "validation": 0, "seed": 3}"#)
            #expect(status == .created, "\(result)")
            #expect(result["report"]?["counts"]?["train"] == 11)
            #expect(result["report"]?["excluded"]?["by_reason"] == ["rejected": 1])
            #expect(result["report_html"]?.stringValue?.contains("Who wrote the answers") == true)
            let exportID = try #require(result["export"]?.intValue)
            let train = try await client.execute(uri: "/api/exports/\(exportID)/files/train.jsonl", method: .get, headers: [.cookie: lead.cookie]) { response in
                #expect(response.headers[.contentDisposition]?.contains("train.jsonl") == true)
                return String(buffer: response.body)
            }
            let validator = DatasetValidator(options: try ValidationOptions(), counter: EstimatedTokenCounter())
            validator.add(batch: train.split(separator: "\n").enumerated().map { ($0.offset + 1, String($0.element)) }, workers: 1)
            #expect(validator.finish().errorCount == 0)
            #expect(train.contains("Corrected: answer 5"))
            #expect(try await lead.call(client, .get, "/api/exports/\(exportID)/files/..%2Fq.db").0 != .ok)
            #expect(try await lead.call(client, .get, "/api/exports/\(exportID)/files/q.db").0 == .notFound)
            let (_, list) = try await lead.call(client, .get, "/api/projects/\(project.id)/exports")
            #expect(list.arrayValue?.count == 1)
            try await client.execute(uri: "/exports/\(exportID)", method: .get, headers: [.cookie: lead.cookie]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("train.jsonl"))
            }
            // An export that would be empty says why, and writes nothing.
            let (refused, why) = try await lead.call(client, .post, "/api/projects/\(project.id)/exports", #"{"consensus": "majority", "format": "csv"}"#)
            #expect(refused == .unprocessableContent)
            #expect(why["error"]?["message"]?.stringValue?.contains("csv export needs a classify project") == true)
        }
    }
}

@Suite struct ReviewAPITests {
    @Test func leadsReviewDisagreementsAndSeeTheDashboard() async throws {
        let fixture = try ServerFixture()
        let made = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["refund", "card"], annotatorsPerItem: 2)
        let project = try fixture.database.updateProject(made, labels: ["refund", "card"], multiLabel: false, annotatorsPerItem: 2,
                                                         guidelines: "", autoGold: "all")
        try fixture.addMembers(["ann1", "ann2"], to: project)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            _ = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "one\ntwo\nthree\n")
            // ann1 says refund to all; ann2 agrees on the first only.
            for (name, labels) in [("ann1", ["refund", "refund", "refund"]), ("ann2", ["refund", "card", "card"])] {
                let annotator = try await Client.login(client, name)
                for label in labels {
                    let id = try await annotator.nextItemID(client, in: project)
                    #expect(try await annotator.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "labels": ["\#(label)"], "version": 0}"#).0 == .ok)
                }
                #expect(try await annotator.call(client, .get, "/api/projects/\(project.id)/review").0 == .forbidden)
                #expect(try await annotator.call(client, .get, "/api/projects/\(project.id)/agreement").0 == .forbidden)
            }
            // Reading the queue changes nothing: the agreed item becomes gold only when asked to, by POST.
            #expect(try await lead.call(client, .get, "/api/projects/\(project.id)/review").1["total"] == 2)
            #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/review/promote", "{}").1["promoted_to_gold"] == 1)
            #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/review/promote", "{}").1["promoted_to_gold"] == 0)
            let (status, queue) = try await lead.call(client, .get, "/api/projects/\(project.id)/review")
            #expect(status == .ok)
            let entries = try #require(queue["items"]?.arrayValue)
            #expect(entries.count == 2 && entries.allSatisfy { $0["agreeing"] == 1 && $0["answers"] == 2 })
            let first = try #require(entries[0]["item_id"]?.intValue)
            #expect(try await lead.call(client, .put, "/api/items/\(first)/gold", #"{"labels": ["card"]}"#).0 == .ok)
            let (_, after) = try await lead.call(client, .get, "/api/projects/\(project.id)/review")
            #expect(after["items"]?.arrayValue?.count == 1)
            #expect(try await lead.call(client, .post, "/api/items/\(first)/comments", #"{"body": "card: the customer mentions a charge"}"#).0 == .created)
            #expect(try await lead.call(client, .post, "/api/items/\(first)/comments", #"{"body": "  "}"#).0 == .unprocessableContent)
            let (_, comments) = try await lead.call(client, .get, "/api/items/\(first)/comments")
            #expect(comments.arrayValue?.first?["username"] == "lead")

            let (_, agreement) = try await lead.call(client, .get, "/api/projects/\(project.id)/agreement")
            #expect(agreement["coefficient"] == "Krippendorff's alpha (nominal)")
            #expect(agreement["shared_items"] == 3)
            #expect(agreement["by_annotator"]?.arrayValue?.first { $0["annotator"] == "ann2" }?["gold_items"] == 2)
            #expect(try fixture.database.snapshots(of: project).count == 1)
            try await client.execute(uri: "/projects/\(project.id)/dashboard?a=ann2&b=ann1", method: .get, headers: [.cookie: lead.cookie]) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(page.contains("ann2 (rows) against ann1 (columns)"))
                #expect(page.contains("1 ✓"))
                #expect(page.contains("<svg"))
            }
            let ann1 = try await Client.login(client, "ann1")
            try await client.execute(uri: "/projects/\(project.id)/review", method: .get, headers: [.cookie: ann1.cookie]) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("This page is for leads and admins."))
            }
        }
    }
}

@Suite struct SpanSuggestionTests {
    @Test func projectPatternsJoinTheImportedSuggestions() async throws {
        let fixture = try ServerFixture()
        let made = try fixture.database.createProject(name: "Ents", kind: .spans, labels: ["PER", "LOC"])
        #expect(throws: StoreError.self) {
            _ = try fixture.database.updateProject(made, labels: ["PER", "LOC"], multiLabel: false, annotatorsPerItem: 1, guidelines: "", spanPatterns: "ORG: x")
        }
        let project = try fixture.database.updateProject(made, labels: ["PER", "LOC"], multiLabel: false, annotatorsPerItem: 1,
                                                         guidelines: "", spanPatterns: "LOC: Paris\nPER: /R[a-z]+e\\x{301}e/")
        try fixture.addMembers(["ann1"], to: project)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            let line = #"{"text": "🇫🇷 Marie and Rene\u0301e in Paris", "label": [[3, 8, "PER"]]}"#
            #expect(try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=doccano", line).0 == .ok)
            let ann = try await Client.login(client, "ann1")
            let (_, next) = try await ann.call(client, .get, "/api/projects/\(project.id)/next")
            let spans = try #require(next["item"]?["suggestions"]?["spans"]?.arrayValue)
            #expect(spans.map { $0["text"]?.stringValue ?? "" } == ["Marie", "Rene\u{301}e", "Paris"])
            #expect(spans.map { $0["start"]?.intValue ?? -1 } == [3, 13, 23])
        }
    }
}

@Suite struct OverlappingSpanTests {
    @Test func overlapsAreRefusedUnlessTheProjectAllowsThem() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Nest", kind: .spans, labels: ["LOC", "ORG"])
        try fixture.addMembers(["ann1"], to: project)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            _ = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "New York University\n")
            let ann = try await Client.login(client, "ann1")
            let id = try await ann.nextItemID(client, in: project)
            let body = #"{"status": "submitted", "version": 0, "spans": [{"start": 0, "end": 8, "label": "LOC", "text": "New York"}, {"start": 0, "end": 19, "label": "ORG", "text": "New York University"}]}"#
            let (refused, error) = try await ann.call(client, .put, "/api/items/\(id)/annotation", body)
            #expect(refused == .unprocessableContent && error["error"]?["message"]?.stringValue?.contains("overlap") == true)
            _ = try fixture.database.updateProject(project, labels: ["LOC", "ORG"], multiLabel: false, annotatorsPerItem: 1,
                                                   guidelines: "", allowsOverlappingSpans: true)
            #expect(try await ann.call(client, .put, "/api/items/\(id)/annotation", body).0 == .ok)
        }
    }
}

@Suite struct SnapshotTriggerTests {
    @Test func aSubmittedAnswerLeadsToASnapshotOffTheRequestPath() async throws {
        let fixture = try ServerFixture()
        let project = try fixture.database.createProject(name: "Snap", kind: .classify, labels: ["a", "b"])
        try fixture.addMembers(["ann1"], to: project)
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            _ = try await lead.call(client, .post, "/api/projects/\(project.id)/import?format=text", "one\n")
            #expect(try await lead.call(client, .get, "/api/projects/\(project.id)/exports/progress").1["running"] == false)
            let ann = try await Client.login(client, "ann1")
            let id = try await ann.nextItemID(client, in: project)
            #expect(try fixture.database.snapshots(of: project).isEmpty)
            #expect(try await ann.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "labels": ["a"], "version": 0}"#).0 == .ok)
            var snapshots: [JSONValue] = []
            // Up to 30 s: the snapshot is made at background priority, which a busy machine runs late.
            for _ in 0..<300 where snapshots.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                snapshots = try fixture.database.snapshots(of: project)
            }
            #expect(snapshots.count == 1)
            #expect(snapshots.first?["annotations"] == 1)
            #expect(snapshots.first?["coefficient"] == "Krippendorff's alpha (nominal)")
        }
    }
}

/// A log that keeps its lines, for a test to read.
final class LogLines: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.withLock { $0.append("\(event.level) \(event.message)") } }
    var all: [String] { lines.withLock { $0 } }
}
