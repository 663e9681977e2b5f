import Foundation
import QuorumCore

/// A file written through a buffer, hashed as it goes.
struct OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    private var hash = ContentHash()
    private(set) var bytes = 0

    init(path: String) throws {
        guard let handle = fopen(path, "wb") else {
            throw ExportError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    mutating func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    mutating func write(_ buffer: UnsafeRawBufferPointer) throws {
        hash.update(buffer)
        guard fwrite(buffer.baseAddress, 1, buffer.count, handle) == buffer.count else {
            throw ExportError("cannot write the export: \(String(cString: strerror(errno)))")
        }
        bytes += buffer.count
    }

    /// Closes the file and gives its SHA-256.
    mutating func close() throws -> String {
        guard fclose(handle) == 0 else { throw ExportError("cannot finish writing the export: \(String(cString: strerror(errno)))") }
        return hash.hexDigest()
    }
}
