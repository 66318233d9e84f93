import Testing

@testable import MarginCore

/// The exact inputs with which the book fuzzer (``BookFuzzTests``) broke the decoder, each kept
/// as a test that failed before its fix.
@Suite struct BookFuzzRegressionTests {
    /// A key of DEL (U+007F) was written into the path as `["\u7f"]`, which is no JSON string
    /// (four hex digits are needed) and reads ambiguously before a hex letter; a C1 key went in raw.
    @Test func keysInPathsAreJSONStringLiterals() {
        let input =
            #"{"\u007f":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","assets":{},"instruments":{},"accounts":[]}"#
        #expect(throws: BookError(path: #"["\u007f"]"#, message: "unknown key \"\u{7F}\"")) {
            try BookDecoder.decode(input)
        }
        #expect(JSONPath.key("\u{1B}a") == #"["\u001ba"]"#)
        #expect(JSONPath.key("\u{9B}31m") == #"["\u009b31m"]"#)
        #expect(JSONPath.key("B TC") == #"["B TC"]"#)
        #expect(JSONPath.key("a\"b\\c\nd") == #"["a\"b\\c\nd"]"#)
    }

    /// A book's key, name or value with control characters came back raw in the error text
    /// (`unknown key "ESC]0;pwnedBEL"` sets a terminal's title when printed as it is).
    @Test func errorTextCarriesNoControlCharacter() {
        let key =
            #"{"format":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","assets":{},"\u001b]0;pwned\u0007":{},"accounts":[]}"#
        let format = #"{"format":"\u0000","assets":{},"instruments":{},"accounts":[]}"#
        let expiry = #"""
            {"format":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","assets":{"BTC":{"price":1,"vol":0.5}},
             "instruments":{"C":{"kind":"option","underlying":"BTC","right":"put","strike":1,"expiry":"\u009b31m\u0085"}},
             "accounts":[]}
            """#
        for (input, text) in [
            (key, #"book.json: ["\u001b]0;pwned\u0007"]: unknown key "^[]0;pwned^G""#),
            (format, #"book.json: format: unsupported format "^@", expected "margintop.book/1""#),
            (
                expiry,
                #"book.json: instruments.C.expiry: invalid timestamp "M-^[31mM-^E" (expected YYYY-MM-DDTHH:MM:SS[.frac] with Z or +HH:MM)"#
            ),
        ] {
            do throws(BookError) {
                _ = try BookDecoder.decode(input, file: "book.json")
                Issue.record("accepted \(input)")
            } catch {
                #expect(error.description == text)
            }
        }
    }

    /// Instants no four-digit timestamp can write were taken: year 0000, an offset reaching back
    /// before year 1, a fraction past 9999's last millisecond.
    @Test func timestampsOutsideTheRepresentableRangeAreRejected() {
        let input =
            #"{"format":"margintop.book/1","asOf":"0000-01-01T00:00:00Z","assets":{},"instruments":{},"accounts":[]}"#
        #expect(
            throws: BookError(
                path: "asOf",
                message:
                    #"invalid timestamp "0000-01-01T00:00:00Z" (expected YYYY-MM-DDTHH:MM:SS[.frac] with Z or +HH:MM)"#)
        ) {
            try BookDecoder.decode(input)
        }
        for text in [
            "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59.9999Z",
            "9999-12-31T23:59:59-23:59",
        ] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
            #expect(Timestamp.parseLenient(text) == nil, "\(text)")
        }
        #expect(Timestamp.parseLenient("9999-12-31T23:59:60Z") == nil)
        #expect(Timestamp.parse("0001-01-01T00:00:00Z")?.epochSeconds == Timestamp.representableSeconds.lowerBound)
        #expect(Timestamp.parse("9999-12-31T23:59:59.999Z")?.epochSeconds == Timestamp.representableSeconds.upperBound)
        #expect(Timestamp.parse("0001-01-01T00:01:00+00:01")?.epochSeconds == Timestamp.representableSeconds.lowerBound)
    }
}
