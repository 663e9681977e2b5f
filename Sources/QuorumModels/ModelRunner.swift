import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import QuorumCore

/// Works through a run's items with the model's concurrency: each item's prompt to the endpoint, each answer (or
/// failure) handed to `save` as it comes, 32 at a time or what came within `saveEvery`, so a run killed at any point
/// keeps what it was told (up to a second of it lost) and a resumed run asks only for the rest; and the stored answers
/// tell every server how far the run got. A quota stop ends the run at once; so does cancelling the task.
public struct ModelRunner: Sendable {
    public enum Outcome: Sendable, Equatable {
        case finished
        /// The endpoint said the quota is used up: nothing more can be asked.
        case stopped(String)
        case cancelled
    }

    public struct Prompt: Sendable {
        public var itemID: Int64
        public var messages: [JSONValue]
        public var tools: [JSONValue]?
        public init(itemID: Int64, messages: [JSONValue], tools: [JSONValue]?) {
            self.itemID = itemID
            self.messages = messages
            self.tools = tools
        }
    }

    /// The prompts of `itemIDs` (in that order), each what its item's `openai-chat` export line holds without its
    /// answer; an item without an input is left out.
    public static func prompts(project: Project, itemIDs: [Int64], inputs: [Int64: JSONValue]) -> [Prompt] {
        let renderer = ExportRenderer(project: project, format: .openaiChat)
        return itemIDs.compactMap { id in
            inputs[id].map { input in
                let (messages, tools) = renderer.prompt(input: input)
                return Prompt(itemID: id, messages: messages, tools: tools)
            }
        }
    }

    public let model: Model
    public let key: String?
    /// Shortens the backoff (tests).
    public var backoff: Double = 0.5
    /// At most how long an answer waits to be saved (fewer than 32 came in that time).
    public var saveEvery = Duration.seconds(1)

    public init(model: Model, key: String?) {
        self.model = model
        self.key = key
    }

    /// The key the model's settings point to, from the environment; an error that names the variable when it is unset.
    public static func key(for model: Model, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        guard let name = model.apiKeyEnv else { return nil }
        guard let key = environment[name], !key.isEmpty else {
            throw ChatFailure.failed("the model \(model.name) reads its key from $\(name), which is not set: export \(name)=… and run again")
        }
        return key
    }

    public func run(_ prompts: [Prompt], save: @escaping @Sendable ([RunOutput]) async throws -> Void,
                    progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Outcome {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, model.concurrency))))
        var client = ChatClient(model: model, key: key, http: http)
        client.backoff = backoff
        let shared = client
        let next = NIOLockedValueBox(0)
        let pending = NIOLockedValueBox<(outputs: [RunOutput], done: Int, stop: String?, saved: ContinuousClock.Instant)>(([], 0, nil, .now))
        let prompts = prompts, saveEvery = self.saveEvery
        func flush(force: Bool) async throws {
            let batch = pending.withLockedValue { state -> [RunOutput] in
                guard force || state.outputs.count >= 32 || state.saved.duration(to: .now) >= saveEvery else { return [] }
                state.saved = .now
                defer { state.outputs.removeAll(keepingCapacity: true) }
                return state.outputs
            }
            if !batch.isEmpty { try await save(batch) }
        }
        // Shut down by awaiting, whatever the run does: its blocking twin would hold one of async code's few threads.
        return try await closing({ try? await http.shutdown() }) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<min(model.concurrency, prompts.count) {
                    group.addTask {
                        while !Task.isCancelled {
                            guard pending.withLockedValue({ $0.stop }) == nil else { return }
                            let index = next.withLockedValue { n -> Int in defer { n += 1 }; return n }
                            guard index < prompts.count else { return }
                            let prompt = prompts[index]
                            let started = ContinuousClock.now
                            var output: RunOutput
                            do {
                                let (reply, attempts) = try await shared.complete(messages: prompt.messages, tools: prompt.tools)
                                output = RunOutput(itemID: prompt.itemID, output: reply.text, finishReason: reply.finishReason,
                                                   inputTokens: reply.inputTokens, outputTokens: reply.outputTokens,
                                                   latencyMs: Self.milliseconds(since: started), attempts: attempts, error: nil)
                            } catch ChatFailure.quota(let message) {
                                pending.withLockedValue { $0.stop = "the endpoint says the quota is used up (insufficient_quota): \(message)" }
                                return
                            } catch is CancellationError {
                                return
                            } catch {
                                if Task.isCancelled { return }
                                output = RunOutput(itemID: prompt.itemID, output: nil, finishReason: nil, inputTokens: nil, outputTokens: nil,
                                                   latencyMs: Self.milliseconds(since: started), attempts: 1, error: "\(error)")
                            }
                            let done = pending.withLockedValue { state -> Int in
                                state.outputs.append(output)
                                state.done += 1
                                return state.done
                            }
                            try await flush(force: false)
                            progress(done)
                        }
                    }
                }
                do {
                    try await group.waitForAll()
                } catch {
                    group.cancelAll()
                    try await flush(force: true)
                    throw error
                }
                try await flush(force: true)
                if let stop = pending.withLockedValue({ $0.stop }) { return .stopped(stop) }
                return Task.isCancelled ? .cancelled : .finished
            }
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
