/// What an export is asked for; the same settings on the same data give byte-identical files.
public struct ExportSettings: Equatable, Sendable {
    public var format: ExportFormat
    public var consensus: ConsensusRule
    /// The share of the exported items that goes to validation (stratified by label for classify projects).
    public var validationFraction: Double
    /// How many items the hold-out set should hold; items once held out stay held out.
    public var holdout: Int
    public var seed: UInt64
    public var model: String
    public var pricePerMillion: Double
    public var keepContradictions: Bool
    /// Who trains on the files: each line is converted to that trainer's shape and checked by its rules.
    public var target: ExportTarget

    public init(format: ExportFormat = .openaiChat, consensus: ConsensusRule = .all, validationFraction: Double = 0,
                holdout: Int = 0, seed: UInt64 = 0, model: String = FineTuningEstimate.defaultModel,
                pricePerMillion: Double = FineTuningEstimate.defaultPricePerMillion, keepContradictions: Bool = false,
                target: ExportTarget = .openai) {
        self.format = format
        self.consensus = consensus
        self.validationFraction = validationFraction
        self.holdout = holdout
        self.seed = seed
        self.model = model
        self.pricePerMillion = pricePerMillion
        self.keepContradictions = keepContradictions
        self.target = target
    }

    /// The first problem with these settings for `project`, as a sentence a person can act on.
    public func problem(for project: Project) -> String? {
        if let problem = format.problem(for: project.kind) { return problem }
        if target != .openai {
            guard format.isFineTuningJSONL else { return "--target \(target.rawValue) needs --format openai-chat or dpo (the other formats are for annotation tools)" }
            if format == .dpo && !target.takesPreferences { return "\(target.rawValue) takes no preference files: export openai-chat for it" }
        }
        guard validationFraction >= 0, validationFraction < 1 else { return "--validation must be at least 0 and below 1 (e.g. 0.1)" }
        guard holdout >= 0 else { return "--holdout must be 0 or more items" }
        guard FineTuningEstimate.contextLimits[model] != nil else {
            return "unknown model \(model); known: " + FineTuningEstimate.contextLimits.keys.sorted().joined(separator: ", ")
        }
        return nil
    }

    /// The settings an export recorded (`json`); nil when a field is missing or unknown.
    public init?(json: JSONValue) {
        guard let format = json["format"]?.stringValue.flatMap(ExportFormat.init(rawValue:)),
              let consensus = json["consensus"]?.stringValue.flatMap(ConsensusRule.init),
              let validation = json["validation"]?.doubleValue, let holdout = json["holdout"]?.intValue,
              case .number(let seedText)? = json["seed"], let seed = UInt64(seedText),
              let model = json["model"]?.stringValue else { return nil }
        // Exports made before targets were recorded were OpenAI's.
        guard let target = ExportTarget(rawValue: json["target"]?.stringValue ?? "openai") else { return nil }
        self.init(format: format, consensus: consensus, validationFraction: validation, holdout: holdout, seed: seed, model: model,
                  keepContradictions: json["keep_contradictions"] == .bool(true), target: target)
    }

    public var json: JSONValue {
        ["format": .string(format.rawValue), "consensus": .string(consensus.description),
         "validation": .double(validationFraction), "holdout": .int(holdout), "seed": .number(String(seed)),
         "model": .string(model), "keep_contradictions": .bool(keepContradictions), "target": .string(target.rawValue)]
    }
}
