import QuorumCore

/// An export as the `exports` table remembers it.
public struct ExportRecord: Sendable {
    public var id: Int64
    public var projectID: Int64
    public var format: String
    public var settings: JSONValue
    public var counts: JSONValue
    public var directory: String
    public var files: [String]
    public var username: String?
    public var createdAt: String

    public var json: JSONValue {
        ["id": .number(String(id)), "project_id": .number(String(projectID)), "format": .string(format), "settings": settings,
         "counts": counts, "files": .array(files.map { .string($0) }), "by": username.map { .string($0) } ?? .null,
         "created_at": .string(createdAt)]
    }
}
