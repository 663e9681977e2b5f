import Foundation
import Hummingbird
import QuorumCore
import QuorumStore

/// Models and runs for leads: the models page (add an endpoint), and each project's runs page — start a run on the
/// hold-out, watch it, cancel or resume it, read each run's scores and compare two runs with an interval.
struct RunsController {
    let database: any Store
    let pages: PageRenderer
    let runs: RunManager

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/models") { _, context in try await modelsPage(context) }
        router.post("/models") { request, context in try await addModel(request, context) }
        router.get("/api/models") { _, context in
            _ = try context.lead()
            return API.json(.array(try await database.models().map(\.json)))
        }
        router.get("/projects/{id}/runs") { request, context in try await runsPage(request, context) }
        router.get("/api/projects/{id}/runs") { request, context in
            _ = try context.lead()
            return API.json(.array(try await database.runs(of: try project(request, context)).map(\.json)))
        }
        router.post("/api/projects/{id}/runs") { request, context in try await start(request, context) }
        router.post("/api/runs/{id}/cancel") { request, context in
            _ = try context.lead()
            return API.json(["cancelled": .bool(try await runs.cancel(try await run(request, context)))])
        }
        router.post("/api/runs/{id}/resume") { request, context in
            _ = try context.lead()
            let run = try await run(request, context)
            guard let project = try await database.project(id: run.projectID) else { throw HTTPError(.notFound, message: "no such project") }
            do { try await runs.start(run, in: project) } catch let error as StoreError { return API.response(for: error) }
            return API.json((try await database.run(run.id) ?? run).json)
        }
        router.get("/api/runs/{id}/eval") { request, context in
            _ = try context.lead()
            let run = try await run(request, context)
            guard let project = try await database.project(id: run.projectID) else { throw HTTPError(.notFound, message: "no such project") }
            return API.json(try await database.evaluate(run, in: project).json(run: run.id))
        }
    }

    func project(_ request: Request, _ context: AppRequestContext) async throws -> Project {
        guard let project = try await database.findProject(String(try request.id(context))) else { throw HTTPError(.notFound, message: "no such project") }
        return project
    }

    func run(_ request: Request, _ context: AppRequestContext) async throws -> Run {
        guard let run = try await database.run(try request.id(context)) else { throw HTTPError(.notFound, message: "no such run") }
        return run
    }

    func base(_ session: Session, _ title: String) -> [String: Any] {
        ["title": title, "signedIn": true, "user": session.user.displayName, "csrf": session.csrf, "isAdmin": session.user.role == .admin]
    }

    func modelsPage(_ context: AppRequestContext, message: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        var page = base(session, "Models")
        page["models"] = try await database.models().map { model -> [String: Any] in
            ["name": model.name, "model": model.model, "baseURL": model.baseURL, "key": model.apiKeyEnv.map { "$" + $0 } ?? "none",
             "concurrency": model.concurrency, "prices": model.priceInput.map { i in "$\(i) / $\(model.priceOutput ?? 0) per 1M" } ?? "—"]
        }
        page["message"] = message ?? ""
        page["error"] = error ?? ""
        return try pages.render("models", page, status: status)
    }

    func addModel(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let form = FormBody(try await BodyReader.collect(request, context: context))
        func number(_ name: String) -> Double? { form.fields[name].flatMap { $0.isEmpty ? nil : Double($0) } }
        let model = Model(name: form.fields["name"] ?? "", baseURL: form.fields["base_url"] ?? "", model: form.fields["model"] ?? "",
                          apiKeyEnv: form.fields["api_key_env"].flatMap { $0.isEmpty ? nil : $0 }, temperature: number("temperature"),
                          maxCompletionTokens: number("max_completion_tokens").map { Int($0) }, concurrency: number("concurrency").map { Int($0) } ?? 8,
                          priceInput: number("price_input"), priceOutput: number("price_output"))
        do {
            let stored = try await database.addModel(model)
            return try await modelsPage(context, message: "Added \(stored.name).")
        } catch let error as StoreError {
            return try await modelsPage(context, error: error.message, status: .unprocessableContent)
        }
    }

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.lead()
        let project = try await project(request, context)
        let body = try await API.body(request, context: context)
        guard let name = body["model"]?.stringValue, let model = try await database.model(name) else {
            return API.error(.unprocessableContent, "no such model (add it on the models page)", field: "model")
        }
        let selection = body["items"]?.stringValue ?? "holdout"
        let limit = body["limit"]?.intValue.flatMap { $0 > 0 ? $0 : nil }
        do {
            let run: Run
            if body["purpose"]?.stringValue == Run.Purpose.suggest.rawValue {
                // Suggestions for the annotators (`quorum suggest`): the unanswered items, or all.
                run = try await database.startSuggestions(of: model, on: project, items: selection == "all" ? "all" : "unanswered", limit: limit,
                                                    withhold: body["withhold"]?.doubleValue ?? 0)
            } else {
                var ids = try await database.itemIDs(in: project, selection: selection)
                guard !ids.isEmpty else {
                    return API.error(.unprocessableContent, selection == "holdout" ? "this project has no hold-out yet: draw one (quorum holdout, or export with a hold-out)" : "no items to run on", field: "items")
                }
                if let limit { ids = Array(ids.prefix(limit)) }
                run = try await database.startRun(of: model, on: project, selection: selection, itemIDs: ids)
            }
            do { try await runs.start(run, in: project) } catch let error as StoreError {
                try await database.finishRun(run, status: .stopped, message: error.message)
                return API.response(for: error)
            }
            return API.json((try await database.run(run.id) ?? run).json, status: .created)
        } catch let error as StoreError {
            return API.response(for: error)
        }
    }

    func runsPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.user.role != .annotator else { return try pages.refuse(context.session) }
        let project = try await project(request, context)
        let all = try await database.runs(of: project)
        var page = base(session, "Runs · \(project.name)")
        page["projectID"] = project.id
        page["project"] = project.name
        let models = try await database.models()
        page["models"] = models.map { ["name": $0.name] }
        page["hasModels"] = !models.isEmpty
        // Every run with answers scored in one reading of the project's items.
        let answered = all.filter { $0.answered > 0 }
        let scored = Dictionary(uniqueKeysWithValues: zip(answered.map(\.id), try await database.evaluate(answered, in: project, consensus: .all)))
        page["runs"] = all.map { run -> [String: Any] in
            let evaluation = scored[run.id]
            var row: [String: Any] = ["id": run.id, "model": run.model.name, "status": run.status.rawValue, "selection": run.purpose == .suggest ? "suggestions for \(run.selection) items" : run.selection,
                                      "items": run.itemIDs.count, "answered": run.answered, "failed": run.failed,
                                      "tokens": "\(run.inputTokens) in, \(run.outputTokens) out",
                                      "cost": run.model.cost(input: run.inputTokens, output: run.outputTokens).map { String(format: "$%.4f", $0) } ?? "—",
                                      "resumable": run.status != .running && run.answered < run.itemIDs.count, "running": run.status == .running]
            if let evaluation {
                row["metric"] = evaluation.primary.name
                row["value"] = evaluation.primary.value.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
            }
            if let message = run.message { row["message"] = message }
            return row
        }
        page["hasRuns"] = !all.isEmpty
        let parameters = request.uri.queryParameters
        if let a = parameters.get("a").flatMap({ Int64($0) }), let b = parameters.get("b").flatMap({ Int64($0) }),
           let runA = all.first(where: { $0.id == a }), let runB = all.first(where: { $0.id == b }),
           let evalA = scored[a], let evalB = scored[b] {
            page["comparison"] = Self.comparisonView(Comparison(a: a, evalA, b: b, evalB), a: runA, b: runB)
        }
        page["choices"] = all.map { ["id": $0.id, "model": $0.model.name] }
        return try pages.render("runs", page)
    }

    /// "base 71.0% → tuned 94.0%, +23.0 points (95% CI …)", with both figures as bars and the breakdown.
    static func comparisonView(_ c: Comparison, a: Run, b: Run) -> [String: Any] {
        func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
        let headline = "\(a.model.name) \(percent(c.aValue)) → \(b.model.name) \(percent(c.bValue))"
            + (c.difference.map { String(format: ", %+.1f points", $0 * 100) } ?? "")
            + (c.ci95.map { String(format: " (95%% CI %+.1f to %+.1f)", $0.0 * 100, $0.1 * 100) } ?? "")
        return ["headline": headline, "metric": c.metric, "items": c.items,
                "mcnemar": c.mcnemarP.map { String(format: "McNemar exact p = %.4g", $0) } ?? "",
                "bars": [(a.model.name, c.aValue), (b.model.name, c.bValue)].enumerated().map { i, entry in
                    ["name": entry.0, "value": percent(entry.1), "width": Int((entry.1 ?? 0) * 300), "y": i * 26]
                },
                "breakdown": c.breakdown.map { ["name": $0.name, "a": percent($0.a), "b": percent($0.b)] }]
    }
}
