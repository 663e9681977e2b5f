import Foundation
import Logging

/// Log lines on standard error, as swift-log's `StreamLogHandler` writes them, but with the metadata formatted
/// only when a line is written: Hummingbird gives every request a logger with its own request id, and
/// `StreamLogHandler` formats the metadata each time it is set, logged or not (a few percent of every request).
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(Date().formatted(.iso8601)) \(event.level) \(label):\(fields.isEmpty ? "" : " " + fields) \(event.message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
