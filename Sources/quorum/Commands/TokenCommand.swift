import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

extension ApiToken.Scope: ExpressibleByArgument {}

/// `quorum token create|list|revoke`: tokens for programs on the JSON API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Tokens for programs (a service, a CI job) on the JSON API.",
        discussion: """
            A program sends "Authorization: Bearer TOKEN" and acts as the token's user: ingest tokens may only import \
            (and send samples), read tokens only read (export files included), lead tokens do what their user may. A \
            token of one project (--project) reaches only that project's routes. The token is printed once; only its \
            SHA-256 is stored.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token and print it, once.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's name (to list and revoke it).") var name: String
        @Option(help: "The user it acts as.") var user: String
        @Option(help: "The one project it reaches (default: all its user reaches).") var project: String?
        @Option(help: "ingest, read or lead.") var scope: ApiToken.Scope = .read
        @Flag(help: "Print {\"name\", \"token\"}.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                guard let owner = try await db.user(named: user) else { throw CLIError("no user \"\(user)\" (quorum user list shows them)", code: 2) }
                let reached = project == nil ? nil : try await db.findRequiredProject(project!)
                let (token, text) = try await db.createToken(name: name, user: owner, project: reached, scope: scope)
                if json {
                    print((["name": .string(token.name), "token": .string(text)] as JSONValue).jsonText)
                } else {
                    print("Token \"\(token.name)\" (\(token.scope.rawValue), as \(owner.username)): \(text)")
                    print("It is shown this once: keep it where the program reads it (an environment variable, a secret store).")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens (never their text).")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let tokens = try await db.tokens(of: nil)
                if json { print(JSONValue.array(tokens.map(\.json)).jsonText); return }
                guard !tokens.isEmpty else { print("No tokens yet: quorum token create NAME --user U --scope ingest|read|lead"); return }
                print(Table.render(header: ["NAME", "USER", "PROJECT", "SCOPE", "CREATED", "LAST USED", "STATE"], rows: tokens.map { token in
                    [token.name, token.user.username, token.projectID.map(String.init) ?? "all", token.scope.rawValue, token.createdAt,
                     token.lastUsedAt ?? "never", token.revokedAt.map { "revoked \($0)" } ?? "live"]
                }, rightAligned: []))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: refused from the next request on.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            try await reportingErrors(on: database) { db in
                guard try await db.revokeToken(named: name) else { throw CLIError("no live token named \"\(name)\"", code: 2) }
                print("Token \"\(name)\" revoked.")
            }
        }
    }
}
