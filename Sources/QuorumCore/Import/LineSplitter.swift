/// Cuts a stream of bytes into lines: drops a UTF-8 byte-order mark at the start and the `\r` of CRLF,
/// keeps every other byte, and holds a partial line until its end arrives, up to `maxLineBytes`: a line
/// longer than that (a gzip bomb of one line, a file that is not line-based) stops the reading with
/// `LineTooLong` instead of growing without bound.
public struct LineSplitter {
    private var carry: [UInt8] = []
    private var atStart = true
    public private(set) var lineNumber = 0
    public let maxLineBytes: Int

    /// The default limit on one line: far above any real record, far below what would hurt the machine.
    public static let defaultMaxLineBytes = 64 << 20

    public init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) { self.maxLineBytes = maxLineBytes }

    /// Calls `line` for every complete line in `chunk`, with its 1-based number.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, line: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if atStart {
            // The BOM may arrive split across chunks; wait until three bytes are there.
            if carry.count + chunk.count < 3 { carry.append(contentsOf: chunk); return }
            atStart = false
            var head = carry + Array(chunk)
            carry = []
            if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
            try head.withUnsafeBufferPointer { try feed($0, line: line) }
            return
        }
        var start = 0
        var i = 0
        while i < chunk.count {
            if chunk[i] == 0x0A {
                lineNumber += 1
                if carry.count + (i - start) > maxLineBytes { throw LineTooLong(line: lineNumber, limit: maxLineBytes) }
                if carry.isEmpty {
                    try line(lineNumber, Self.dropCR(UnsafeBufferPointer(rebasing: chunk[start..<i])))
                } else {
                    carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<i]))
                    try carry.withUnsafeBufferPointer { try line(lineNumber, Self.dropCR($0)) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            i += 1
        }
        if start < chunk.count {
            if carry.count + (chunk.count - start) > maxLineBytes { throw LineTooLong(line: lineNumber + 1, limit: maxLineBytes) }
            carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start...]))
        }
    }

    /// Delivers the last line when the file does not end with a line break.
    public mutating func finish(line: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if atStart, !carry.isEmpty {
            atStart = false
            let bytes = carry.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(carry.dropFirst(3)) : carry
            carry = []
            if !bytes.isEmpty {
                lineNumber += 1
                try bytes.withUnsafeBufferPointer { try line(lineNumber, Self.dropCR($0)) }
            }
            return
        }
        guard !carry.isEmpty else { return }
        lineNumber += 1
        try carry.withUnsafeBufferPointer { try line(lineNumber, Self.dropCR($0)) }
        carry = []
    }

    private static func dropCR(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if let last = bytes.last, last == 0x0D { return UnsafeBufferPointer(rebasing: bytes.dropLast()) }
        return bytes
    }

    /// Decodes a line as UTF-8, or says where it stops being UTF-8.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<String, ImportLineError> {
        if let s = String(validating: bytes, as: UTF8.self) { return .success(s) }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return .failure(ImportLineError(byte: offset + 1))
            case .error(let length):
                return .failure(ImportLineError(byte: offset + 1, length: length))
            }
        }
    }
}

public struct ImportLineError: Error, Sendable {
    public var byte: Int
    public var length: Int = 1
    public var message: String { "invalid UTF-8 at byte \(byte) of the line (save the file as UTF-8)" }
}

/// A line (or a record read as one) longer than the limit set for the reading.
public struct LineTooLong: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var limit: Int
    public init(line: Int, limit: Int) {
        self.line = line
        self.limit = limit
    }
    public var description: String {
        "line \(line) is longer than \(ByteCount.text(limit)), the limit on one line or record: is the file line-based? "
            + "(raise the limit with --max-line-mb)"
    }
}

/// More bytes than one import may hold once decompressed (a gzip bomb, or a file far larger than allowed).
public struct SourceTooLarge: Error, Sendable, CustomStringConvertible {
    public var limit: Int
    public init(limit: Int) { self.limit = limit }
    public var description: String {
        "the file holds more than \(ByteCount.text(limit)) once decompressed, the limit on one import"
    }
}

/// Byte counts as people read them.
public enum ByteCount {
    public static func text(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GB" }
        if bytes >= 1 << 20 { return "\(bytes >> 20) MB" }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KB" }
        return "\(bytes) bytes"
    }
}
