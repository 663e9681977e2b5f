/// A token a program uses on the JSON API (`Authorization: Bearer …`) in place of a signed-in session: it acts as
/// its user, within its scope and, when it names one, a single project. Only its hash is stored.
public struct ApiToken: Sendable {
    public enum Scope: String, Sendable, CaseIterable, Codable {
        /// Sends data in: imports (and production samples) only.
        case ingest
        /// Reads: any GET of the API, export files included.
        case read
        /// Whatever its user may do on the API (exports, runs, settings …).
        case lead

        /// Whether a request of `method` to `path` (under /api/) is within the scope.
        public func allows(method: String, path: String) -> Bool {
            switch self {
            case .lead: return true
            case .read: return method == "GET" || method == "HEAD"
            case .ingest:
                guard method == "POST", path.hasPrefix("/api/projects/") else { return false }
                return path.hasSuffix("/import") || path.hasSuffix("/samples")
            }
        }
    }

    public var id: Int64
    public var name: String
    public var user: User
    public var projectID: Int64?
    public var scope: Scope
    public var createdAt: String
    public var lastUsedAt: String?
    public var revokedAt: String?

    public init(id: Int64, name: String, user: User, projectID: Int64?, scope: Scope, createdAt: String, lastUsedAt: String?, revokedAt: String?) {
        self.id = id
        self.name = name
        self.user = user
        self.projectID = projectID
        self.scope = scope
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may be used on `path`: a token of one project only on that project's routes
    /// (`/api/projects/{id}/…`) and its export files (`exportProject`: the project of the export the path names).
    public func reaches(path: String, exportProject: Int64?) -> Bool {
        guard let projectID else { return true }
        if path.hasPrefix("/api/projects/\(projectID)/") || path == "/api/projects/\(projectID)" { return true }
        return path.hasPrefix("/api/exports/") && exportProject == projectID
    }

    public var json: JSONValue {
        ["name": .string(name), "user": .string(user.username), "project": projectID.map { .number(String($0)) } ?? .null,
         "scope": .string(scope.rawValue), "created_at": .string(createdAt), "last_used_at": lastUsedAt.map { .string($0) } ?? .null,
         "revoked_at": revokedAt.map { .string($0) } ?? .null]
    }
}
