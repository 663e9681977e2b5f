/// Why an export wrote nothing, with every reason a person needs to fix it.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let reasons: [String]

    public init(_ message: String, reasons: [String] = []) {
        self.message = message
        self.reasons = reasons
    }

    public var description: String { ([message] + reasons.map { "  " + $0 }).joined(separator: "\n") }
}
