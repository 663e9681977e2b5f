import Testing
@testable import QuorumCore

@Suite struct LineSplitterTests {
    func lines(_ bytes: [UInt8], chunk: Int) -> [(Int, [UInt8])] {
        var splitter = LineSplitter()
        var out: [(Int, [UInt8])] = []
        var i = 0
        while i < bytes.count {
            let piece = Array(bytes[i..<min(bytes.count, i + chunk)])
            try! piece.withUnsafeBufferPointer { try splitter.feed($0) { out.append(($0, Array($1))) } }
            i += chunk
        }
        try! splitter.finish { out.append(($0, Array($1))) }
        return out
    }

    @Test(arguments: [1, 2, 3, 5, 1000])
    func dropsBOMAndCRWhateverTheChunkSize(chunk: Int) {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("one\r\n\r\ntwo\nthree".utf8)
        let got = lines(bytes, chunk: chunk)
        #expect(got.map(\.0) == [1, 2, 3, 4])
        #expect(got.map { String(decoding: $0.1, as: UTF8.self) } == ["one", "", "two", "three"])
    }

    @Test func keepsAVeryLongLineWhole() {
        let long = String(repeating: "é", count: 3_000_000)
        let got = lines(Array((long + "\nend\n").utf8), chunk: 1 << 20)
        #expect(got.count == 2)
        #expect(got[0].1.count == long.utf8.count)
    }

    @Test func namesTheByteWhereUTF8Breaks() {
        let bytes: [UInt8] = Array("ab".utf8) + [0xC3, 0x28]
        let result = bytes.withUnsafeBufferPointer { LineSplitter.decode($0) }
        guard case .failure(let error) = result else { Issue.record("decoded invalid UTF-8"); return }
        #expect(error.byte == 3)
    }
}
