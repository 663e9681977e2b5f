import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import QuorumCore
import QuorumStore
import QuorumTestSupport
@testable import QuorumServer

@Suite struct AppTests {
    @Test func homePageListsProjectsAndEscapesTheirNames() async throws {
        let folder = try TemporaryDirectory()
        let database = try AppDatabase(path: folder.path("q.db"))
        _ = try database.createProject(name: "<script>alert(1)</script>", kind: .classify, labels: ["a"])
        let app = try await buildApplication(database: database, settings: ServerSettings(port: 0, resources: Resources.locate()))
        try await app.test(.live) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(!body.contains("<script>alert"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            }
            try await client.execute(uri: "/static/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.contains("javascript") == true)
            }
            try await client.execute(uri: "/static/../Package.swift", method: .get) { response in
                #expect(response.status == .notFound || response.status == .badRequest)
            }
        }
    }

    @Test func demoProjectsImportCleanly() throws {
        let folder = try TemporaryDirectory()
        let database = try AppDatabase(path: folder.path("q.db"))
        let added = try Demo.seed(database: database, resources: Resources.locate())
        #expect(added.count == 3)
        let summaries = try database.projectSummaries()
        #expect(summaries.map(\.project.kind) == [.chat, .classify, .spans])
        #expect(summaries.allSatisfy { $0.items >= 30 })
        #expect(try Demo.seed(database: database, resources: Resources.locate()).isEmpty)
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
}
