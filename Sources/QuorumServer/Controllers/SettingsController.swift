import Foundation
import Hummingbird
import QuorumCore
import QuorumStore

/// Pages for leads and admins: a project's settings, members and imports; and the users (admins only).
struct SettingsController {
    let database: any Store
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/projects/{id}/settings") { request, context in try await page(request, context) }
        router.post("/projects/{id}/settings") { request, context in try await save(request, context) }
        router.post("/projects/{id}/members") { request, context in try await addMember(request, context) }
        router.get("/admin/users") { _, context in try await users(context) }
        router.post("/admin/users") { request, context in try await addUser(request, context) }
    }

    func lead(_ context: AppRequestContext) -> Session? {
        guard let session = context.session, session.user.role != .annotator else { return nil }
        return session
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.findProject(String(try request.id(context))) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func page(_ request: Request, _ context: AppRequestContext, message: String? = nil, error: String? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = lead(context) else { return try pages.refuse(context.session) }
        let project = try await project(request, context)
        let members = Set(try await database.members(of: project).map(\.id))
        let users = try await database.users()
        return try pages.render("settings", [
            "title": "Settings · \(project.name)", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf,
            "isAdmin": session.user.role == .admin,
            "projectID": project.id, "project": project.name, "kind": project.kind.rawValue,
            "labels": LabelStyle.context(project.labels),
            "labelText": project.labels.joined(separator: "\n"), "multiLabel": project.multiLabel,
            "annotatorsPerItem": project.annotatorsPerItem, "guidelines": project.guidelines,
            "guidelinesHTML": Markdown.html(project.guidelines),
            "isChat": project.kind == .chat, "systemPrompt": project.systemPrompt,
            "isJudging": project.kind.isJudging, "labelList": project.labels.joined(separator: ", "),
            "autoGold": project.autoGold?.description ?? "off",
            "isSpans": project.kind == .spans, "spanPatterns": project.spanPatterns,
            "hasDisabledPatterns": !project.disabledSpanPatterns.isEmpty,
            "disabledPatterns": project.disabledSpanPatterns.sorted { $0.key < $1.key }.map { ["pattern": $0.key, "reason": $0.value] }, "overlapping": project.allowsOverlappingSpans,
            "members": users.filter { members.contains($0.id) }.map { ["username": $0.username, "name": $0.displayName, "role": $0.role.rawValue] },
            "others": users.filter { !members.contains($0.id) && !$0.disabled }.map { ["username": $0.username] },
            "formats": ImportFormat.allCases.map(\.rawValue),
            "message": message ?? "", "error": error ?? "",
        ], status: status)
    }

    func save(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard lead(context) != nil else { throw HTTPError(.forbidden, message: "only leads and admins change projects") }
        let form = FormBody(try await BodyReader.collect(request, context: context))
        let project = try await project(request, context)
        // A judging project's labels are its choices or its scale: not the lead's to change.
        let labels = project.kind.isJudging ? project.labels : (form.fields["labels"] ?? "").split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            _ = try await database.updateProject(project, labels: labels, multiLabel: !project.kind.isJudging && form.fields["multi_label"] == "on",
                                           annotatorsPerItem: Int(form.fields["annotators_per_item"] ?? "") ?? 0,
                                           guidelines: (form.fields["guidelines"] ?? "").replacingOccurrences(of: "\r\n", with: "\n"),
                                           systemPrompt: form.fields["system_prompt"].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) },
                                           autoGold: form.fields["auto_gold"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 },
                                           spanPatterns: form.fields["span_patterns"].map { $0.replacingOccurrences(of: "\r\n", with: "\n") },
                                           allowsOverlappingSpans: project.kind == .spans ? form.fields["overlapping_spans"] == "on" : nil)
            return try await page(request, context, message: "Saved.")
        } catch let error as StoreError {
            return try await page(request, context, error: error.message, status: .unprocessableContent)
        }
    }

    func addMember(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard lead(context) != nil else { throw HTTPError(.forbidden, message: "only leads and admins add members") }
        let form = FormBody(try await BodyReader.collect(request, context: context))
        let project = try await project(request, context)
        guard let name = form.fields["username"], let user = try await database.user(named: name) else {
            return try await page(request, context, error: "No such user.", status: .unprocessableContent)
        }
        try await database.addMember(project: project, user: user)
        return try await page(request, context, message: "\(user.username) can now annotate this project.")
    }

    func users(_ context: AppRequestContext, message: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session, session.user.role == .admin else { return try pages.refuse(context.session, "This page is for admins.") }
        return try pages.render("users", [
            "title": "Users", "signedIn": true, "user": session.user.displayName, "csrf": session.csrf, "isAdmin": true,
            "users": try await database.users().map { ["id": $0.id, "username": $0.username, "name": $0.displayName, "role": $0.role.rawValue,
                                                 "state": $0.disabled ? "disabled" : "active"] },
            "message": message ?? "", "error": error ?? "",
        ], status: status)
    }

    func addUser(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard context.session?.user.role == .admin else { throw HTTPError(.forbidden, message: "only admins add users") }
        let form = FormBody(try await BodyReader.collect(request, context: context))
        guard let role = form.fields["role"].flatMap(UserRole.init(rawValue:)) else { return try await users(context, error: "Pick a role.", status: .unprocessableContent) }
        let given = form.fields["password"] ?? ""
        if !given.isEmpty, given.count < 8 { return try await users(context, error: "A password needs at least 8 characters.", status: .unprocessableContent) }
        let password = given.isEmpty ? Passwords.generate() : given
        do {
            let user = try await database.createUser(username: form.fields["username"] ?? "", displayName: nil, role: role,
                                                     passwordHash: Passwords.hash(password), disabled: false)
            return try await users(context, message: given.isEmpty ? "Added \(user.username). Their password (shown once): \(password)" : "Added \(user.username).")
        } catch let error as StoreError {
            return try await users(context, error: error.message, status: .unprocessableContent)
        }
    }
}
