/// `quorum eval --json` for one run.
extension Evaluation {
    static func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1e4).rounded() / 1e4) } ?? .null }

    public func json(run: Int64) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "run", value: .number(String(run))), (key: "kind", value: .string(kind.rawValue)),
            (key: "items", value: .int(items)), (key: "unscored", value: .int(unscored)),
        ]
        func add(_ key: String, _ value: JSONValue) { members.append((key: key, value: value)) }
        func perLabelJSON() -> JSONValue {
            .object(perLabel.map { label, f in
                (key: label, value: ["precision": Self.number(f.precision), "recall": Self.number(f.recall), "f1": Self.number(f.f1), "support": .int(f.support)])
            })
        }
        switch kind {
        case .classify:
            add("invalid", .int(invalid))
            add("accuracy", Self.number(accuracy))
            add("macro_f1", Self.number(macroF1))
            add("per_label", perLabelJSON())
            add("confusion", confusion.map { ["labels": .array($0.labels.map { .string($0) }), "matrix": .array($0.matrix.map { .array($0.map { .int($0) }) })] } ?? .null)
        case .spans:
            let m = micro
            add("invalid", .int(invalid))
            add("precision", Self.number(m.precision))
            add("recall", Self.number(m.recall))
            add("f1", Self.number(m.f1))
            add("hallucinated", .int(hallucinated))
            add("per_type", perLabelJSON())
        case .fields:
            add("json_valid", Self.number(items == 0 ? nil : Double(jsonValid) / Double(items)))
            add("exact_match", Self.number(items == 0 ? nil : Double(exactMatch) / Double(items)))
            add("field_accuracy", Self.number(fieldAccuracy))
            add("fields", .object(fields.map { field in
                (key: field.name, value: ["accuracy": Self.number(field.total == 0 ? nil : Double(field.right) / Double(field.total)),
                                          "missing": .int(field.missing), "extra": .int(field.extra)])
            }))
        case .text:
            add("exact_match", Self.number(items == 0 ? nil : Double(exactMatch) / Double(items)))
            add("normalized_match", Self.number(items == 0 ? nil : Double(normalizedMatch) / Double(items)))
            add("edit_distance", Self.number(meanDistance))
        }
        return .object(members)
    }
}
