import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import QuorumCore
import QuorumStore
import QuorumTestSupport
@testable import QuorumServer

/// API tokens: a program's requests act as the token's user, within its scope and project, without CSRF; a revoked
/// token is refused at once; only the hash is at rest; cookie sessions still need their CSRF token.
@Suite struct TokenTests {
    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, body: String? = nil,
              cookie: String? = nil) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { $0.status }
    }

    @Test func scopesProjectsRevocationAndTheHashAtRest() async throws {
        let fixture = try ServerFixture()
        let tickets = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["refund", "card"])
        let other = try fixture.database.createProject(name: "Other", kind: .classify, labels: ["x"])
        let lead = try #require(try fixture.database.user(named: "lead"))
        let ingest = try fixture.database.createToken(name: "service", user: lead, project: tickets, scope: .ingest).text
        let read = try fixture.database.createToken(name: "reader", user: lead, project: nil, scope: .read).text
        let full = try fixture.database.createToken(name: "ci", user: lead, project: nil, scope: .lead).text
        #expect(throws: StoreError.self) { try fixture.database.createToken(name: "ci", user: lead, project: nil, scope: .read) }
        try await fixture.app().test(.router) { client in
            // Ingest: imports into its project, without a CSRF token; nothing else.
            #expect(try await call(client, .post, "/api/projects/\(tickets.id)/import?format=text", token: ingest, body: "one\ntwo\n") == .ok)
            #expect(try await call(client, .post, "/api/projects/\(other.id)/import?format=text", token: ingest, body: "one\n") == .forbidden)
            #expect(try await call(client, .get, "/api/projects", token: ingest) == .forbidden)
            // Read: reads anywhere, changes nothing.
            #expect(try await call(client, .get, "/api/projects", token: read) == .ok)
            #expect(try await call(client, .post, "/api/projects/\(tickets.id)/import?format=text", token: read, body: "three\n") == .forbidden)
            // Lead: an export, then its file read with the read token.
            let exportStatus = try await client.execute(uri: "/api/projects/\(tickets.id)/exports", method: .post,
                                                        headers: [.authorization: "Bearer \(full)", .contentType: "application/json"],
                                                        body: ByteBuffer(string: #"{"format": "csv", "validation": 0, "consensus": "all"}"#)) { $0.status }
            #expect(exportStatus == .unprocessableContent)  // nothing answered yet: refused for its reason, not for the token
            // Tokens are for the API only, not pages; a wrong token is refused, the cookie not looked at instead.
            #expect(try await call(client, .get, "/projects/\(tickets.id)/settings", token: read) == .unauthorized)
            let session = try await Client.login(client, "lead")
            #expect(try await call(client, .get, "/api/projects", token: "qt_wrong", cookie: session.cookie) == .unauthorized)
            // A cookie session still needs its CSRF token.
            #expect(try await session.call(client, .post, "/api/projects/\(tickets.id)/import?format=text", "four\n", csrf: false).0 == .forbidden)
            // Revoked: refused at the next request.
            #expect(try fixture.database.revokeToken(named: "reader"))
            #expect(try await call(client, .get, "/api/projects", token: read) == .unauthorized)
        }
        // Only the hash is stored, and each use is noted.
        let stored = try Data(contentsOf: URL(fileURLWithPath: fixture.folder.path("q.db"))) + ((try? Data(contentsOf: URL(fileURLWithPath: fixture.folder.path("q.db") + "-wal"))) ?? Data())
        for text in [ingest, read, full] { #expect(stored.range(of: Data(text.utf8)) == nil) }
        let tokens = try fixture.database.tokens()
        #expect(tokens.first { $0.name == "service" }?.lastUsedAt != nil)
        #expect(tokens.first { $0.name == "reader" }?.revokedAt != nil)
        #expect(try fixture.database.summary(of: tickets).items == 2)
    }

    @Test func leadsMakeTokensForThemselvesOnThePage() async throws {
        let fixture = try ServerFixture()
        try await fixture.app().test(.router) { client in
            let lead = try await Client.login(client, "lead")
            func post(_ uri: String, _ form: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: uri, method: .post, headers: [.cookie: lead.cookie, .contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: form + "&csrf=\(lead.csrf)")) { ($0.status, String(buffer: $0.body)) }
            }
            let (refused, _) = try await post("/tokens", "name=theirs&user=ann1&scope=read&project=")
            #expect(refused == .forbidden)
            let (made, page) = try await post("/tokens", "name=mine&user=lead&scope=read&project=")
            #expect(made == .ok)
            let token = try #require(page.firstRange(of: #/qt_[A-Za-z0-9_-]+/#).map { String(page[$0]) })
            #expect(try await call(client, .get, "/api/projects", token: token) == .ok)
            let (revoked, _) = try await post("/tokens/revoke", "name=mine")
            #expect(revoked == .ok)
            #expect(try await call(client, .get, "/api/projects", token: token) == .unauthorized)
            // The token is shown once: the page after does not hold it.
            let again = try await client.execute(uri: "/tokens", method: .get, headers: [.cookie: lead.cookie]) { String(buffer: $0.body) }
            #expect(!again.contains(token) && again.contains("revoked"))
        }
    }

    @Test func exportFilesAreFetchedWithATokenOfTheirProject() async throws {
        let fixture = try ServerFixture()
        let tickets = try fixture.database.createProject(name: "Tickets", kind: .classify, labels: ["refund", "card"])
        let other = try fixture.database.createProject(name: "Other", kind: .classify, labels: ["x"])
        try fixture.addMembers(["ann1"], to: tickets)
        let lead = try #require(try fixture.database.user(named: "lead"))
        let full = try fixture.database.createToken(name: "ci", user: lead, project: tickets, scope: .lead).text
        let read = try fixture.database.createToken(name: "reader", user: lead, project: tickets, scope: .read).text
        let elsewhere = try fixture.database.createToken(name: "other", user: lead, project: other, scope: .read).text
        try await fixture.app().test(.router) { client in
            #expect(try await call(client, .post, "/api/projects/\(tickets.id)/import?format=text", token: full, body: "first\nsecond\n") == .ok)
            let ann1 = try await Client.login(client, "ann1")
            for _ in 0..<2 {
                let id = try await ann1.nextItemID(client, in: tickets)
                #expect(try await ann1.call(client, .put, "/api/items/\(id)/annotation", #"{"status": "submitted", "labels": ["card"], "version": 0}"#).0 == .ok)
            }
            let exportID = try await client.execute(uri: "/api/projects/\(tickets.id)/exports", method: .post,
                                                    headers: [.authorization: "Bearer \(full)", .contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"format": "csv", "validation": 0}"#)) { response in
                #expect(response.status == .created)
                return try JSONParser.parse(String(buffer: response.body))["export"]?.intValue ?? 0
            }
            let file = try await client.execute(uri: "/api/exports/\(exportID)/files/train.csv", method: .get,
                                                headers: [.authorization: "Bearer \(read)"]) { ($0.status, String(buffer: $0.body)) }
            #expect(file.0 == .ok && file.1.contains("first,card"))
            #expect(try await call(client, .get, "/api/exports/\(exportID)/files/train.csv", token: elsewhere) == .forbidden)
        }
    }
}

