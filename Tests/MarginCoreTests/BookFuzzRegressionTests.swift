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
}
