import Foundation

/// A model Quorum can ask: any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Azure OpenAI, Together,
/// Fireworks, vLLM, llama.cpp's server, Ollama). Its key is never kept: `apiKeyEnv` names the environment variable
/// that holds it, read when a run starts.
public struct Model: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var baseURL: String
    /// The model's id at the endpoint (`gpt-4o-mini-2024-07-18`, `ft:…`, a Hugging Face repository).
    public var model: String
    public var apiKeyEnv: String?
    public var temperature: Double?
    public var maxCompletionTokens: Int?
    public var concurrency: Int
    /// US dollars per million input and output tokens, for the cost of a run.
    public var priceInput: Double?
    public var priceOutput: Double?

    public init(id: Int64 = 0, name: String, baseURL: String, model: String, apiKeyEnv: String? = nil, temperature: Double? = nil,
                maxCompletionTokens: Int? = nil, concurrency: Int = 8, priceInput: Double? = nil, priceOutput: Double? = nil) {
        self.id = id
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.temperature = temperature
        self.maxCompletionTokens = maxCompletionTokens
        self.concurrency = concurrency
        self.priceInput = priceInput
        self.priceOutput = priceOutput
    }

    /// What is wrong with the settings, if anything, as a person would fix it.
    public var problem: FieldError? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return FieldError("name", "a model needs a name") }
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            return FieldError("base_url", "must be an http(s) address such as https://api.openai.com/v1")
        }
        if model.isEmpty { return FieldError("model", "give the model's id at the endpoint") }
        if let temperature, !(0...2).contains(temperature) { return FieldError("temperature", "must be between 0 and 2") }
        if let maxCompletionTokens, maxCompletionTokens < 1 { return FieldError("max_completion_tokens", "must be 1 or more") }
        if !(1...1024).contains(concurrency) { return FieldError("concurrency", "must be between 1 and 1024") }
        if let env = apiKeyEnv, env.isEmpty || env.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            return FieldError("api_key_env", "must be the name of an environment variable (letters, digits, _), not the key itself")
        }
        return nil
    }

    /// The cost in US dollars of so many tokens, when the prices are known.
    public func cost(input: Int, output: Int) -> Double? {
        guard let priceInput, let priceOutput else { return nil }
        return (Double(input) * priceInput + Double(output) * priceOutput) / 1_000_000
    }

    public var json: JSONValue {
        ["id": .number(String(id)), "name": .string(name), "base_url": .string(baseURL), "model": .string(model),
         "api_key_env": apiKeyEnv.map { .string($0) } ?? .null, "temperature": temperature.map { .double($0) } ?? .null,
         "max_completion_tokens": maxCompletionTokens.map { .int($0) } ?? .null, "concurrency": .int(concurrency),
         "price_input": priceInput.map { .double($0) } ?? .null, "price_output": priceOutput.map { .double($0) } ?? .null]
    }
}

/// One run of a model over some of a project's items.
public struct Run: Sendable {
    public enum Status: String, Sendable { case running, finished, stopped, cancelled }
    /// What the answers are for: scored against the team's (`quorum eval`), or shown to annotators as suggestions.
    public enum Purpose: String, Sendable { case score, suggest }
    public var id: Int64
    public var purpose: Purpose = .score
    public var projectID: Int64
    public var model: Model
    /// Which items: `holdout`, `validation`, `train` or `all`.
    public var selection: String
    public var itemIDs: [Int64]
    public var status: Status
    public var message: String?
    public var startedAt: String
    public var finishedAt: String?
    /// Counts from the outputs stored so far.
    public var answered = 0
    public var failed = 0
    public var inputTokens = 0
    public var outputTokens = 0

    public init(id: Int64, projectID: Int64, model: Model, selection: String, itemIDs: [Int64], status: Status, message: String?,
                startedAt: String, finishedAt: String?) {
        self.id = id
        self.projectID = projectID
        self.model = model
        self.selection = selection
        self.itemIDs = itemIDs
        self.status = status
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// `quorum run --json`: `{"run", "model", "items", "answered", "failed", "input_tokens", "output_tokens", "cost_usd"}`.
    public var json: JSONValue {
        ["run": .number(String(id)), "model": .string(model.name), "items": .int(itemIDs.count), "answered": .int(answered),
         "failed": .int(failed), "input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens),
         "cost_usd": model.cost(input: inputTokens, output: outputTokens).map { .double(($0 * 1e6).rounded() / 1e6) } ?? .null,
         "status": .string(status.rawValue), "selection": .string(selection), "purpose": .string(purpose.rawValue), "message": message.map { .string($0) } ?? .null,
         "started_at": .string(startedAt), "finished_at": finishedAt.map { .string($0) } ?? .null]
    }
}

/// What the endpoint said for one item: its answer, or why there is none.
public struct RunOutput: Sendable {
    public var itemID: Int64
    public var output: String?
    public var finishReason: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var latencyMs: Int
    public var attempts: Int
    public var error: String?

    /// An endpoint's texts are kept with each NUL character (`\u0000`, which a JSON answer may hold) replaced by
    /// U+FFFD: PostgreSQL's text cannot hold a NUL, and one such answer would otherwise fail its whole batch there;
    /// SQLite keeps the same, so that both stores hold (and export) one run alike.
    public init(itemID: Int64, output: String?, finishReason: String?, inputTokens: Int?, outputTokens: Int?, latencyMs: Int,
                attempts: Int, error: String?) {
        self.itemID = itemID
        self.output = output.map(Self.storable)
        self.finishReason = finishReason.map(Self.storable)
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMs = latencyMs
        self.attempts = attempts
        self.error = error.map(Self.storable)
    }

    static func storable(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }
}
