import Foundation
import Hummingbird
import NIOPosix
import QuorumCore
import QuorumStore

/// Projects through the JSON API: list, create, import, members.
struct ProjectsController {
    let database: any Store
    /// The most an upload may hold, as sent and once decompressed.
    let uploadLimit: Int

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/projects") { _, context in
            API.json(.array(try await database.projectSummaries(visibleTo: try context.user()).map(\.json)))
        }
        router.post("/api/projects") { request, context in try await create(request, context) }
        router.post("/api/projects/{id}/import") { request, context in try await importFile(request, context) }
        router.post("/api/projects/{id}/members") { request, context in try await addMember(request, context) }
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.findProject(String(try request.id(context))) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let body = try await API.body(request, context: context)
        guard let name = body["name"]?.stringValue else { return API.error(.unprocessableContent, "a project needs a name", field: "name") }
        guard let kind = body["kind"]?.stringValue.flatMap(ProjectKind.init(rawValue:)) else {
            return API.error(.unprocessableContent, "kind must be chat, classify or spans", field: "kind")
        }
        let labels = body["labels"]?.arrayValue?.compactMap(\.stringValue) ?? []
        do {
            let project = try await database.createProject(
                name: name, kind: kind, labels: labels, multiLabel: body["multi_label"] == .bool(true),
                annotatorsPerItem: body["annotators_per_item"]?.intValue ?? 1, guidelines: body["guidelines"]?.stringValue ?? "")
            return API.json(ProjectSummary(project: project, items: 0, annotations: 0, completeItems: 0).json, status: .created)
        } catch let error as StoreError {
            return API.response(for: error)
        }
    }

    /// The body is the file; `?format=` and `?skip_invalid=true` as on the command line. The upload is written to a
    /// temporary file as it arrives and imported from there, so its size costs disk, not memory; the import is
    /// staged, so annotators go on saving while it runs and see its items all at once when it ends.
    func importFile(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try context.lead()
        let project = try await project(request, context)
        let formatName = request.uri.queryParameters.get("format") ?? "auto"
        guard let format = ImportFormat(rawValue: formatName) else {
            return API.error(.badRequest, "unknown format \"\(formatName)\" (\(ImportFormat.names))", field: "format")
        }
        let fileName = request.uri.queryParameters.get("filename") ?? "upload.\(format == .csv ? "csv" : format == .labelStudio ? "json" : "jsonl")"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-upload-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await BodyReader.save(request, to: path, context: context)
        let options = ImportOptions(format: format, fileName: fileName, textColumn: request.uri.queryParameters.get("text_column"),
                                    labelColumn: request.uri.queryParameters.get("label_column"),
                                    skipInvalid: request.uri.queryParameters.get("skip_invalid") == "true", maxBytes: uploadLimit)
        do {
            let summary = try await database.importItems(into: project, from: .file(path), options: options, userID: user.id, staged: true,
                                                         progress: nil)
            return API.json(summary.json, status: summary.committed ? .ok : .unprocessableContent)
        } catch let error as StoreError {
            return API.response(for: error)
        }
    }

    func addMember(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let project = try await project(request, context)
        let body = try await API.body(request, context: context)
        guard let name = body["username"]?.stringValue, let user = try await database.user(named: name) else {
            return API.error(.unprocessableContent, "no such user", field: "username")
        }
        try await database.addMember(project: project, user: user)
        return API.json(["project": .number(String(project.id)), "user": user.json])
    }
}
