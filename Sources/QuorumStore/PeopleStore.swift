import Foundation
import QuorumCore

/// The people who use Quorum, their sign-ins, their API tokens and which projects they belong to.
public protocol PeopleStore: Sendable {
    func userCount() async throws -> Int
    func createUser(username: String, displayName: String?, role: UserRole, passwordHash: String?, disabled: Bool) async throws -> User
    func users() async throws -> [User]
    func user(named name: String) async throws -> User?
    /// A user and their password hash, to check a sign-in.
    func credentials(username: String) async throws -> (User, String?)?
    func createSession(for user: User, lifetime: TimeInterval) async throws -> (token: String, session: Session)
    /// The session behind a cookie's token, if it is live; a signed-out one is refused by every server at once.
    func session(token: String) async throws -> Session?
    func deleteSession(token: String) async throws
    func isMember(user: User, of project: Project) async throws -> Bool
    func createToken(name: String, user: User, project: Project?, scope: ApiToken.Scope) async throws -> (token: ApiToken, text: String)
    func token(text: String) async throws -> ApiToken?
    func noteUse(of token: ApiToken) async throws
    func tokens(of user: User?) async throws -> [ApiToken]
    func revokeToken(named name: String) async throws -> Bool
}
