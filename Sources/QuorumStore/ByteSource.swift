import CZlib
import Foundation
import QuorumCore

/// Where import bytes come from: a file on disk or a request body. Gzip is recognised by its magic
/// bytes and inflated on the fly, so `.gz` files of any size stream in bounded memory.
public enum ByteSource: Sendable {
    case file(String)
    case bytes([UInt8])

    static let chunkSize = 1 << 20

    /// The size to measure progress against (compressed size for gzip files).
    public var totalBytes: Int? {
        switch self {
        case .file(let path): return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        case .bytes(let bytes): return bytes.count
        }
    }

    /// Calls `deliver` with each decompressed chunk; `rawBytes` tells how far into the source it is and
    /// `hash` is fed the raw bytes, so the digest names the file as it is on disk.
    func forEachChunk(hash: inout ContentHash, rawProgress: (Int) -> Void,
                      deliver: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var inflater: GzipInflater? = nil
        var first = true
        var raw = 0
        func handle(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            hash.update(UnsafeRawBufferPointer(chunk))
            raw += chunk.count
            if first {
                first = false
                if chunk.count >= 2, chunk[0] == 0x1F, chunk[1] == 0x8B { inflater = try GzipInflater() }
            }
            if inflater != nil { try inflater!.inflate(chunk, deliver: deliver) } else { try deliver(chunk) }
            rawProgress(raw)
        }
        switch self {
        case .bytes(let bytes):
            try bytes.withUnsafeBufferPointer { try handle($0) }
        case .file(let path):
            guard let file = fopen(path, "rb") else {
                throw StoreError(.notFound, "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            defer { fclose(file) }
            var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
            while true {
                let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, Self.chunkSize, file) }
                if n > 0 { try buffer.withUnsafeBufferPointer { try handle(UnsafeBufferPointer(rebasing: $0[0..<n])) } }
                if n < Self.chunkSize {
                    if ferror(file) != 0 { throw StoreError(.invalid, "cannot read \(path): \(String(cString: strerror(errno)))") }
                    break
                }
            }
        }
        if let inflater, !inflater.finished {
            throw StoreError(.invalid, "the gzip data ends early (the file is truncated)")
        }
    }
}

/// zlib's inflate for gzip streams, including several members one after another (as `cat a.gz b.gz` makes).
final class GzipInflater {
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 18)
    private(set) var finished = false

    init() throws {
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw StoreError(.invalid, "cannot start gzip decompression (zlib error \(status))") }
    }

    deinit { inflateEnd(&stream) }

    func inflate(_ input: UnsafeBufferPointer<UInt8>, deliver: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = UInt32(input.count)
        while stream.avail_in > 0 {
            if finished {
                // Another gzip member follows the one that ended.
                inflateReset(&stream)
                finished = false
            }
            let capacity = output.count
            let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(capacity)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (status, capacity - Int(stream.avail_out))
            }
            if produced > 0 { try output.withUnsafeBufferPointer { try deliver(UnsafeBufferPointer(rebasing: $0[0..<produced])) } }
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK: continue
            case Z_BUF_ERROR where produced > 0: continue
            default:
                throw StoreError(.invalid, "the gzip data is corrupt (zlib error \(status))")
            }
        }
    }
}

extension ByteSource {
    /// Calls `body` with each line (1-based number, bytes without the line break), in bounded memory;
    /// `progress` gets the raw bytes read so far. Returns the SHA-256 of the source as stored.
    @discardableResult
    public func forEachLine(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes, progress: ((Int) -> Void)? = nil,
                            _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws -> String {
        var hash = ContentHash()
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        try forEachChunk(hash: &hash, rawProgress: { progress?($0) }) { chunk in try splitter.feed(chunk, line: body) }
        try splitter.finish(line: body)
        return hash.hexDigest()
    }
}

extension ByteSource {
    /// The whole content, decompressed, as one record: more than `maxBytes` stops with `LineTooLong`.
    public func readAll(maxBytes: Int = LineSplitter.defaultMaxLineBytes) throws -> [UInt8] {
        var hash = ContentHash()
        var bytes: [UInt8] = []
        try forEachChunk(hash: &hash, rawProgress: { _ in }) {
            guard bytes.count + $0.count <= maxBytes else { throw LineTooLong(line: 1, limit: maxBytes) }
            bytes.append(contentsOf: $0)
        }
        return bytes
    }
}
