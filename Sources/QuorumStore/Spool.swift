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
        // Held while the export runs (and let go by the kernel if it dies): a server starting beside this process
        // removes only spools nobody holds (`ProjectExport.removeLeftovers`).
        _ = flock(fd, LOCK_EX)
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ text: UnsafeRawBufferPointer) throws -> (offset: Int64, length: Int32) {
        let start = offset
        buffer.append(contentsOf: text)
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

    /// Hands the records at `places` to `out` in order, each followed by a line break, in blocks of about 1 MB
    /// read several at once on `workers` threads: a read per record, one after another, left the export's last
    /// step waiting on one core for the system calls.
    func copy(_ places: [ExportPlan.Place], to out: OutputPipe, workers: Int) throws {
        var ends: [Int] = []
        var size = 0
        for (i, place) in places.enumerated() {
            size += Int(place.length) + 1
            if size >= 1 << 20 || i == places.count - 1 {
                ends.append(i + 1)
                size = 0
            }
        }
        for group in stride(from: 0, to: ends.count, by: 2 * workers) {
            let blocks = group..<min(ends.count, group + 2 * workers)
            var read = [Result<[UInt8], Error>](repeating: .success([]), count: blocks.count)
            read.withUnsafeMutableBufferPointer { slots in
                let slots = slots
                // Each iteration writes only its own slot.
                DispatchQueue.concurrentPerform(iterations: blocks.count) { k in
                    let block = blocks.lowerBound + k
                    slots[k] = Result {
                        var bytes: [UInt8] = []
                        for place in places[(block == 0 ? 0 : ends[block - 1])..<ends[block]] {
                            try self.read(place, appendingTo: &bytes)
                            bytes.append(0x0A)
                        }
                        return bytes
                    }
                }
            }
            for block in read { out.write(try block.get()) }
        }
    }

    func remove() {
        close(fd)
        unlink(path)
    }
}
