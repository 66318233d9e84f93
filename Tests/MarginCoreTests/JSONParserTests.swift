import Testing

@testable import MarginCore

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\""),
        ("{\"a\": 1, \"\\u0061\": 2}", "duplicate key \"a\""),
        ("{\"a\": NaN}", "NaN and Infinity are not JSON numbers"),
        ("{\"a\": -Infinity}", "NaN and Infinity are not JSON numbers"),
        ("{\"a\": 1,}", "expected a quoted key"),
        ("[1, 2,]", "unexpected character ']', expected a value"),
        ("{\"a\": 01}", "leading zeros are not allowed in numbers"),
        ("{\"a\": 1e999}", "number 1e999 does not fit a finite double"),
        ("{\"a\": \"x\ny\"}", "control character 0xA inside a string must be escaped"),
        ("{\"a\": 1} x", "unexpected content after the end of the document"),
        ("", "unexpected end of document, expected a value"),
        ("{\"a\": tru}", "invalid literal, expected 'true'"),
        ("// comment\n{}", "unexpected character '/', expected a value"),
    ])
    func rejects(text: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func reportsLineColumnAndPath() {
        do {
            _ = try JSONParser.parse("{\n  \"accounts\": [\n    {\"id\": 1, \"id\": 2}\n  ]\n}")
            Issue.record("should have thrown")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 15)
            #expect(error.path == "accounts[0]")
        }
    }

    @Test func decodesEscapesAndUnicode() throws {
        let v = try JSONParser.parse(
            #"{"s": "a\"b\\c\u00e9\ud83d\ude00\u001b", "n": -0.5e2, "k": [true, false, null]}"#)
        guard case .object(let m) = v else {
            Issue.record("not an object")
            return
        }
        #expect(m[0].1 == .string("a\"b\\cé😀\u{1b}"))
        #expect(m[1].1 == .number(-50))
        #expect(m[2].1 == .array([.bool(true), .bool(false), .null]))
    }

    @Test func pathsQuoteKeysThatAreNotIdentifiers() {
        #expect(JSONPath.render(["assets", JSONPath.key("B TC"), ".price"]) == #"assets["B TC"].price"#)
        #expect(JSONPath.render([JSONPath.key("assets"), JSONPath.key("BTC")]) == "assets.BTC")
        #expect(JSONPath.render([JSONPath.key("instruments"), JSONPath.key("BTC-PERP")]) == "instruments.BTC-PERP")
    }

    @Test func writerEscapesControlCharactersAndNormalisesNegativeZero() {
        #expect(JSONWriter.quote("a\u{1b}b\u{7f}") == #""a\u001bb\u007f""#)
        #expect(JSONWriter.number(-0.0) == "0.0")
        #expect(
            JSONWriter().write(.object([("a", .integer(3)), ("b", .array([]))])) == "{\n  \"a\": 3,\n  \"b\": []\n}")
    }
}
