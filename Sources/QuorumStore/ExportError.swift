/// Why an export wrote nothing, with every reason a person needs to fix it.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let reasons: [String]

    public init(_ message: String, reasons: [String] = []) {
        self.message = message
        self.reasons = reasons
    }

    public var description: String { ([message] + reasons.map { "  " + $0 }).joined(separator: "\n") }

    /// The hold-out set changed while an export or `quorum holdout` ran (another one drew into it): its draw and
    /// files assume the set as it was read, so neither is kept.
    static func holdoutChanged(expected: Int, found: Int) -> ExportError {
        ExportError("the hold-out set changed while this ran (\(expected) items held out when it read them, \(found) now: another export or quorum holdout drew into it); nothing was kept or written: run it again",
                    reasons: ["run again, it reads the hold-out set as it is now, so no held-out item reaches a train or validation file"])
    }
}
