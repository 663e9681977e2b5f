import Foundation
import QuorumCore

/// The first pass's records, appended in order and read back by place.
final class Spool {
    private let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var offset: Int64 = 0
    private var flushed: Int64 = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ExportError("cannot write in \((path as NSString).deletingLastPathComponent): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ text: String) throws -> (offset: Int64, length: Int32) {
        let start = offset
        buffer.append(contentsOf: text.utf8)
        let length = Int64(buffer.count) - (start - flushed)
        offset += length
        if buffer.count >= 1 << 20 { try flush() }
        return (start, Int32(length))
    }

    func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ExportError("cannot write the export's spool file: \(String(cString: strerror(errno)))") }
            done += n
        }
        flushed += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    func read(_ place: ExportPlan.Place) throws -> String {
        var bytes: [UInt8] = []
        try read(place, appendingTo: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the record's bytes to `bytes`: the files are written from these, with no string made per line.
    func read(_ place: ExportPlan.Place, appendingTo bytes: inout [UInt8]) throws {
        let length = Int(place.length), start = bytes.count
        guard length > 0 else { return }
        bytes.append(contentsOf: repeatElement(0, count: length))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + start, length, off_t(place.offset)) }
        guard n == length else { throw ExportError("cannot read back the export's spool file") }
    }

    func remove() {
        close(fd)
        unlink(path)
    }
}
