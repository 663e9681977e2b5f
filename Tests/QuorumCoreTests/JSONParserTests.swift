import Testing
@testable import QuorumCore

@Suite struct JSONParserTests {
    @Test func keepsKeyOrderAndNumberSpelling() throws {
        let text = #"{"z":1,"a":1.0,"m":[true,false,null,-0.5e3],"s":"x"}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m", "s"])
        #expect(value.jsonText == text)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\né😀"))
    }

    @Test func writesWhatItReads() throws {
        let original: JSONValue = ["text": "line\nwith \"quotes\" and \u{01} and 👩‍👩‍👧‍👦", "n": 3]
        #expect(try JSONParser.parse(original.jsonText) == original)
    }

    @Test(arguments: [
        ("{", "expected a quoted key"), ("{\"a\" 1}", "expected ':'"), ("[1,]", "unexpected character"),
        ("01", "leading zeros"), ("\"\\ud800\"", "surrogate"), ("{\"a\":1} x", "after the JSON value"),
        ("\"tab\there\"", "control character"), ("nul", "unexpected end"), ("nulx", "expected null"),
    ])
    func refusesBrokenJSON(text: String, expected: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func reportsWhereTopLevelElementsStart() throws {
        var text = "[\n {\"a\": 1},\n {\"b\": 2}\n]"
        let (value, offsets) = try text.withUTF8 { try JSONParser.parseArrayWithOffsets(bytes: $0) }
        #expect(value.arrayValue?.count == 2)
        #expect(offsets == [3, 14])
    }
}
