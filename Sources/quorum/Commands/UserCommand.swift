import ArgumentParser
import QuorumCore
import QuorumServer
import QuorumStore

extension UserRole: ExpressibleByArgument {}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Add and list user accounts.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; prints a generated password when none is given.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "admin, lead or annotator.") var role: UserRole
        @Option(help: "The password (at least 8 characters).") var password: String?
        @Option(help: "The name shown in pages.") var displayName: String?

        func run() async throws {
            try await reportingErrors(on: database) { db in
                if let password, password.count < 8 { throw CLIError("a password needs at least 8 characters") }
                let chosen = password ?? Passwords.generate()
                let user = try await db.createUser(username: name, displayName: displayName, role: role,
                                                          passwordHash: Passwords.hash(chosen), disabled: false)
                print("Added \(user.role.rawValue) \(user.username) (id \(user.id)).")
                if password == nil { print("Password: \(chosen)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let users = try await db.users()
                if json {
                    print(JSONValue.array(users.map(\.json)).jsonText)
                    return
                }
                let rows = users.map { [String($0.id), $0.username, $0.role.rawValue, $0.disabled ? "disabled" : "active", $0.displayName] }
                print(Table.render(header: ["ID", "USERNAME", "ROLE", "STATUS", "NAME"], rows: rows, rightAligned: [0]))
            }
        }
    }
}
