/// Cuts a stream of bytes into lines: drops a UTF-8 byte-order mark at the start and the `\r` of CRLF,
/// keeps every other byte, and holds a partial line until its end arrives (so lines of any length work).
public struct LineSplitter {
    private var carry: [UInt8] = []
    private var atStart = true
    public private(set) var lineNumber = 0

    public init() {}

    /// Calls `line` for every complete line in `chunk`, with its 1-based number.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, line: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
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
        if start < chunk.count { carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start...])) }
    }

    /// Delivers the last line when the file does not end with a line break.
    public mutating func finish(line: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
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
