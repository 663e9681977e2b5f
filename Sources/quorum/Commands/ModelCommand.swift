import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Models Quorum can run: any OpenAI-compatible /chat/completions endpoint.",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a model. Its key is never stored: --api-key-env names the environment variable it is read from when a run starts.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "A name for the model (as runs and reports will call it).") var name: String
        @Option(help: "The endpoint, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1.") var baseUrl: String
        @Option(help: "The model's id at the endpoint.") var model: String
        @Option(help: "The environment variable holding the API key (e.g. OPENAI_API_KEY).") var apiKeyEnv: String?
        @Option(help: "Sampling temperature (0–2; leave it out for reasoning models).") var temperature: Double?
        @Option(help: "The most tokens an answer may take.") var maxCompletionTokens: Int?
        @Option(help: "Requests at once.") var concurrency = 8
        @Option(help: "USD per million input tokens.") var priceInput: Double?
        @Option(help: "USD per million output tokens.") var priceOutput: Double?
        @Flag(help: "Print the model as JSON.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let stored = try await db.addModel(Model(
                    name: name, baseURL: baseUrl, model: model, apiKeyEnv: apiKeyEnv, temperature: temperature,
                    maxCompletionTokens: maxCompletionTokens, concurrency: concurrency, priceInput: priceInput, priceOutput: priceOutput))
                print(json ? stored.json.jsonText : "Added model \(stored.name) (\(stored.model) at \(stored.baseURL)).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors(on: database) { db in
                let models = try await db.models()
                if json { print(JSONValue.array(models.map(\.json)).jsonText); return }
                print(Table.render(header: ["name", "model", "endpoint", "key from", "concurrency"],
                                   rows: models.map { [$0.name, $0.model, $0.baseURL, $0.apiKeyEnv.map { "$" + $0 } ?? "—", String($0.concurrency)] }))
            }
        }
    }
}
