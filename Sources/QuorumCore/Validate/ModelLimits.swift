/// What fine-tuning costs and allows per model, and how OpenAI's data-prep guidance picks epochs.
public struct FineTuningEstimate: Sendable {
    /// Training-context limits (tokens per example) of the models Quorum knows.
    public static let contextLimits: [String: Int] = [
        "gpt-4o-2024-08-06": 65_536, "gpt-4o-mini-2024-07-18": 65_536, "gpt-4.1-2025-04-14": 65_536,
        "gpt-4.1-mini-2025-04-14": 65_536, "gpt-4.1-nano-2025-04-14": 65_536, "gpt-3.5-turbo-0125": 16_385,
    ]
    public static let defaultModel = "gpt-4o-mini-2024-07-18"
    public static let defaultPricePerMillion = 25.0

    public var model: String
    public var contextLimit: Int
    public var pricePerMillion: Double
    public var examples: Int
    public var epochs: Int
    public var billingTokensPerEpoch: Int

    /// `lengths` are the token counts of the training examples.
    public init(model: String, contextLimit: Int, pricePerMillion: Double, lengths: [Int32]) {
        self.model = model
        self.contextLimit = contextLimit
        self.pricePerMillion = pricePerMillion
        examples = lengths.count
        epochs = Self.epochs(forExamples: lengths.count)
        billingTokensPerEpoch = lengths.reduce(0) { $0 + min(contextLimit, Int($1)) }
    }

    /// 3 by default; fewer than 100/3 examples → min(25, 100 // n); more than 25,000/3 → max(1, 25,000 // n).
    public static func epochs(forExamples n: Int) -> Int {
        guard n > 0 else { return 0 }
        if n * 3 < 100 { return min(25, 100 / n) }
        if n * 3 > 25_000 { return max(1, 25_000 / n) }
        return 3
    }

    public var billingTokens: Int { billingTokensPerEpoch * epochs }
    public var cost: Double { Double(billingTokens) / 1_000_000 * pricePerMillion }

    /// Advice for small sets, as OpenAI's guides give it.
    public var advice: String? {
        examples > 0 && examples < 200
            ? "with under 200 examples, try 5–8 epochs and a learning-rate multiplier of 0.5–1.0, and watch the validation loss"
            : nil
    }

    public var json: JSONValue {
        ["model": .string(model), "context_limit": .int(contextLimit), "examples": .int(examples), "epochs": .int(epochs),
         "billing_tokens_per_epoch": .int(billingTokensPerEpoch), "billing_tokens": .int(billingTokens),
         "price_per_million": .double(pricePerMillion), "estimated_cost_usd": .double((cost * 100).rounded() / 100),
         "advice": advice.map { .string($0) } ?? .null]
    }
}
