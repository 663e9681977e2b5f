import QuorumCore

/// An item as stored (the columns of `AppDatabase.itemColumns`), its JSON not parsed yet: the annotating routes
/// read it inside the shared write transaction and parse it after the commit, off the one writing thread.
struct ItemRow: Sendable {
    let id: Int64
    let projectID: Int64
    let externalID: String?
    let input: String
    let suggestions: String?

    init(_ row: some StoredColumns) {
        id = row.int64(0)
        projectID = row.int64(1)
        externalID = row.string(2)
        input = row.string(3) ?? "null"
        suggestions = row.string(4)
    }

    var parsedInput: JSONValue { (try? JSONParser.parse(input)) ?? .null }

    var item: Item {
        Item(id: id, projectID: projectID, externalID: externalID, input: parsedInput,
             suggestions: suggestions.flatMap { try? JSONParser.parse($0) } ?? .object([]))
    }
}
