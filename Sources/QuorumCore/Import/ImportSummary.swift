/// What an import did, for the terminal, `--json` and the browser.
public struct ImportSummary: Sendable {
    /// How many errors are listed; the rest are counted.
    public static let listedErrors = 50

    public var format: ImportFormat
    public var imported = 0
    public var duplicates = 0
    public var rejected = 0
    public var annotations = 0
    /// Gold answers taken from the file (`--as-gold`).
    public var golds = 0
    public var errors: [ImportIssue] = []
    public var errorCount = 0
    public var addedLabels: [String] = []
    public var labelColumn: String?
    public var sha256 = ""
    /// False when errors stopped an all-or-nothing import: nothing was written.
    public var committed = true
    /// Records left out on purpose, by reason (a Prodigy answer of "reject" or "ignore").
    public var leftOut: [String: Int] = [:]
    /// Fields records carried that Quorum does not keep, by name, with how many records had them.
    public var notCarried: [String: Int] = [:]

    public init(format: ImportFormat) { self.format = format }

    public mutating func record(_ issues: [ImportIssue]) {
        rejected += 1
        for issue in issues {
            errorCount += 1
            if errors.count < Self.listedErrors { errors.append(issue) }
        }
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "imported", value: .int(imported)), (key: "duplicates", value: .int(duplicates)),
            (key: "rejected", value: .int(rejected)), (key: "errors", value: .array(errors.map(\.json))),
            (key: "error_count", value: .int(errorCount)), (key: "format", value: .string(format.rawValue)),
            (key: "committed", value: .bool(committed)), (key: "annotations", value: .int(annotations)), (key: "gold", value: .int(golds)),
            (key: "added_labels", value: .array(addedLabels.map { .string($0) })), (key: "sha256", value: .string(sha256)),
        ]
        if let labelColumn { members.append((key: "label_column", value: .string(labelColumn))) }
        members.append((key: "left_out", value: .object(leftOut.sorted { $0.key < $1.key }.map { (key: $0.key, value: .int($0.value)) })))
        members.append((key: "not_carried", value: .object(notCarried.sorted { $0.key < $1.key }.map { (key: $0.key, value: .int($0.value)) })))
        return .object(members)
    }

    /// The lines a person reads after an import.
    public var text: String {
        var lines: [String] = []
        for error in errors { lines.append(error.description) }
        if errorCount > errors.count { lines.append("… and \(errorCount - errors.count) more errors") }
        if !committed {
            lines.append("Nothing imported: \(counted(rejected, "bad record")). Fix them, or import the good ones with --skip-invalid.")
        } else {
            var line = "Imported \(counted(imported, "item")) (\(format.rawValue)); \(counted(duplicates, "duplicate")) skipped"
            if rejected > 0 { line += "; \(rejected) rejected" }
            if annotations > 0 { line += "; \(counted(annotations, "annotation"))" }
            if golds > 0 { line += "; \(counted(golds, "gold answer")) taken from the file" }
            lines.append(line + ".")
            if let labelColumn { lines.append("Labels from column \"\(labelColumn)\".") }
            if !addedLabels.isEmpty { lines.append("Labels added to the project: \(addedLabels.joined(separator: ", ")).") }
            for (reason, count) in leftOut.sorted(by: { $0.key < $1.key }) { lines.append("Left out: \(counted(count, "record")) with \(reason).") }
            for (field, count) in notCarried.sorted(by: { $0.key < $1.key }) {
                lines.append("Not carried: \(field) in \(counted(count, "record")) (Quorum does not keep them).")
            }
        }
        return lines.joined(separator: "\n")
    }
}
