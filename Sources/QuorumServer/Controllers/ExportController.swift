import Foundation
import Hummingbird
import NIOPosix
import QuorumCore
import QuorumStore

/// The lead's export page and its API: run an export with the same policy as `quorum export`, watch its
/// progress, read the report, download the files.
struct ExportController {
    let database: any Store
    let pages: PageRenderer
    /// Each export is written into its own folder under this one.
    let directory: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/projects/{id}/export") { request, context in try await page(request, context) }
        router.get("/api/projects/{id}/exports") { request, context in
            _ = try context.lead()
            return API.json(.array(try await database.exports(of: try project(request, context)).map(\.json)))
        }
        router.post("/api/projects/{id}/exports") { request, context in try await run(request, context) }
        router.get("/api/projects/{id}/exports/progress") { request, context in
            _ = try context.lead()
            let state = try await database.exportUnderWay(of: try request.id(context))
            return API.json(["running": .bool(state != nil), "done": .int(state?.done ?? 0), "total": .int(state?.total ?? 0)])
        }
        router.get("/exports/{id}") { request, context in try await reportPage(request, context) }
        router.get("/api/exports/{id}/files/{name}") { request, context in try await download(request, context) }
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.findProject(String(try request.id(context))) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let project = try await project(request, context)
        let formats = ExportFormat.allCases.filter { $0.problem(for: project.kind) == nil }
        return try pages.render("export", [
            "title": "Export · \(project.name)", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf,
            "isAdmin": session.user.role == .admin, "projectID": project.id, "project": project.name, "kind": project.kind.rawValue,
            "formats": formats.map(\.rawValue), "models": FineTuningEstimate.contextLimits.keys.sorted(),
            "targets": ExportTarget.allCases.map(\.rawValue),
            "defaultModel": FineTuningEstimate.defaultModel, "annotatorsPerItem": project.annotatorsPerItem,
            "exports": try await database.exports(of: project).map(Self.row),
        ])
    }

    static func row(_ record: ExportRecord) -> [String: Any] {
        let counts = record.counts
        return ["id": record.id, "format": record.format, "when": record.createdAt, "by": record.username ?? "command line",
                "train": counts["train"]?.intValue ?? 0, "validation": counts["validation"]?.intValue ?? 0,
                "holdout": counts["holdout"]?.intValue ?? 0, "excluded": counts["excluded"]?.intValue ?? 0,
                "files": (record.files + ["report.json", "report.md"]).map { ["exportID": record.id, "name": $0] }]
    }

    /// The body: `{"format", "target", "consensus", "validation", "holdout", "seed", "model", "keep_contradictions"}`, all optional.
    func run(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try context.lead()
        let project = try await project(request, context)
        let body = try await API.body(request, context: context)
        var settings = ExportSettings()
        if let name = body["format"]?.stringValue {
            guard let format = ExportFormat(rawValue: name) else {
                return API.error(.unprocessableContent, "format must be one of " + ExportFormat.allCases.map(\.rawValue).joined(separator: ", "), field: "format")
            }
            settings.format = format
        }
        if let text = body["consensus"]?.stringValue ?? body["consensus"]?.intValue.map(String.init) {
            guard let rule = ConsensusRule(text) else { return API.error(.unprocessableContent, "consensus must be all, majority or a number ≥ 1", field: "consensus") }
            settings.consensus = rule
        }
        if let value = body["validation"], !value.isNull {
            guard let fraction = value.doubleValue else { return API.error(.unprocessableContent, "validation must be a number such as 0.1", field: "validation") }
            settings.validationFraction = fraction
        }
        if let value = body["holdout"], !value.isNull {
            guard let n = value.intValue else { return API.error(.unprocessableContent, "holdout must be a whole number", field: "holdout") }
            settings.holdout = n
        }
        if let value = body["seed"], !value.isNull {
            guard let seed = value.intValue.flatMap({ UInt64(exactly: $0) }) else { return API.error(.unprocessableContent, "seed must be a whole number ≥ 0", field: "seed") }
            settings.seed = seed
        }
        if let model = body["model"]?.stringValue { settings.model = model }
        if let name = body["target"]?.stringValue {
            guard let target = ExportTarget(rawValue: name) else {
                return API.error(.unprocessableContent, "target must be one of \(ExportTarget.names)", field: "target")
            }
            settings.target = target
        }
        settings.keepContradictions = body["keep_contradictions"] == .bool(true)

        let total = try await database.summary(of: project).items
        guard let claim = try await database.beginExport(of: project.id, total: total, lease: ExportClaim.lease) else {
            return API.error(.conflict, "an export of this project is running already")
        }
        let folder = (directory as NSString).appendingPathComponent("\(project.slug)-\(Self.stamp())")
        let database = self.database, chosen = settings
        do {
            let (report, id) = try await database.telling(project.id, claim: claim, total: total) { progress in
                try await NIOThreadPool.singleton.runIfActive {
                    let counter = chosen.format.isFineTuningJSONL ? try TokenizerFile.counter().0 : nil
                    return try ProjectExport(database: database, project: project, settings: chosen, directory: folder, counter: counter)
                        .run(by: user, progress: progress)
                }
            }
            // The page's list of earlier exports comes along, so it shows this one at once.
            let earlier = pages.html("exports-list", ["exports": try await database.exports(of: project).map(Self.row)])
            let files = (try await database.export(id: id)?.files ?? []) + ["report.json", "report.md"]
            return API.json(["export": .number(String(id)), "report": report.json, "files": .array(files.map { .string($0) }),
                             "report_html": .string(pages.html("report-body", ReportView.context(report.json))),
                             "exports_html": .string(earlier)], status: .created)
        } catch let error as ExportError {
            return API.json(["error": ["message": .string(error.message), "reasons": .array(error.reasons.map { .string($0) })]],
                            status: .unprocessableContent)
        }
    }

    /// A folder name that sorts by time and never repeats within a process.
    static func stamp() -> String {
        let now = Date()
        let seconds = Int(now.timeIntervalSince1970)
        return "\(seconds)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    func record(_ request: Request, _ context: AppRequestContext) async throws -> ExportRecord {
        guard let record = try await database.export(id: try request.id(context)) else { throw HTTPError(.notFound, message: "no such export") }
        return record
    }

    func reportPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let record = try await record(request, context)
        guard let text = try? String(contentsOfFile: (record.directory as NSString).appendingPathComponent("report.json"), encoding: .utf8),
              let report = try? JSONParser.parse(text) else {
            throw Self.filesMissing(record)
        }
        var context = ReportView.context(report)
        context.merge(["title": "Export \(record.id)", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf,
                       "isAdmin": session.user.role == .admin, "projectID": record.projectID, "export": Self.row(record)]) { _, new in new }
        return try pages.render("report", context)
    }

    /// The export's files are not where it wrote them, as this server sees it: removed since, or (behind a proxy) written
    /// by a server whose exports folder this one does not reach — the message names the folder for whoever runs them.
    static func filesMissing(_ record: ExportRecord) -> HTTPError {
        HTTPError(.gone, message: "the files of this export are no longer on the server: they were written to \(record.directory), which was "
                  + "removed since or which this server does not reach (servers behind one address need one --exports-dir they all reach)")
    }

    /// One of the export's files, by name; only the names the export wrote.
    func download(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let record = try await record(request, context)
        guard let name = context.parameters.get("name"), (record.files + ["report.json", "report.md"]).contains(name) else {
            throw HTTPError(.notFound, message: "no such file in this export")
        }
        let path = (record.directory as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else { throw Self.filesMissing(record) }
        let type = name.hasSuffix(".md") ? "text/markdown" : name.hasSuffix(".csv") ? "text/csv" : name.hasSuffix(".json") ? "application/json" : "application/x-ndjson"
        return Response(status: .ok, headers: [.contentType: type + "; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
