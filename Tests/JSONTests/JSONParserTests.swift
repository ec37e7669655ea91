import Testing

@testable import JSON

@Suite("JSON parser")
struct JSONParserTests {
    @Test(
        "valid documents parse to the same compact text",
        arguments: [
            ("null", "null"),
            ("true", "true"),
            (" false ", "false"),
            ("0", "0"),
            ("-0", "-0"),
            ("12.50", "12.50"),
            ("1E+2", "1E+2"),
            ("-0.5e-3", "-0.5e-3"),
            (#""""#, #""""#),
            ("[]", "[]"),
            ("{}", "{}"),
            ("[ 1 , [ 2 , [ ] ] , { } ]", "[1,[2,[]],{}]"),
            (#"{ "a" : 1 , "b" : [ true , null ] }"#, #"{"a":1,"b":[true,null]}"#),
            ("\t\r\n [1]\r\n", "[1]"),
            (#"{"a":1,"a":2}"#, #"{"a":1,"a":2}"#),
            (#""\u00e9\/""#, #""é/""#),
            (#""\ud83d\ude00""#, #""😀""#),
            (#""\"\\\b\f\n\r\t""#, #""\"\\\u0008\u000c\n\r\t""#),
            (#""\u0000""#, #""\u0000""#),
            ("\"é😀\u{7F}\"", #""é😀\u007f""#),
        ])
    func validDocuments(input: String, compact: String) throws {
        #expect(try JSONParser.parse(input).jsonText == compact)
    }

    @Test(
        "invalid documents fail at the offending character",
        arguments: [
            ("", 1, 1, "unexpected end of input; expected a JSON value"),
            ("   ", 1, 4, "unexpected end of input"),
            ("[1,]", 1, 3, "trailing comma before ']'"),
            (#"{"a":1,}"#, 1, 7, "trailing comma before '}'"),
            ("01", 1, 1, "leading zeros"),
            ("-01", 1, 1, "leading zeros"),
            ("-", 1, 2, "expected a digit"),
            ("1.", 1, 3, "expected a digit after the decimal point"),
            ("1.e3", 1, 3, "expected a digit after the decimal point"),
            ("1e", 1, 3, "expected a digit in the exponent"),
            ("1e+", 1, 4, "expected a digit in the exponent"),
            ("NaN", 1, 1, "NaN and Infinity are not JSON numbers"),
            ("-Infinity", 1, 2, "NaN and Infinity"),
            ("+1", 1, 1, "a number starts with '-' or a digit"),
            (".5", 1, 1, "a number starts with '-' or a digit"),
            ("[1 2]", 1, 4, "expected ',' or ']' after an array element"),
            (#"{"a" 1}"#, 1, 6, "expected ':' after the member name"),
            ("{a:1}", 1, 2, "expected a member name in double quotes"),
            (#"{"a":1"#, 1, 7, "unexpected end of input; expected ',' or '}'"),
            ("[", 1, 2, "unexpected end of input; expected a JSON value"),
            (#""abc"#, 1, 1, "unterminated string"),
            ("\"a\nb\"", 1, 3, "line break in a string"),
            ("\"a\u{01}\"", 1, 3, "control character U+0001 in a string must be escaped"),
            (#""\x""#, 1, 2, "invalid escape"),
            (#""\ud800""#, 1, 2, "unpaired surrogate \\uD800"),
            (#""\ud800\u0041""#, 1, 2, "is not a low surrogate"),
            (#""\udc00""#, 1, 2, "a low surrogate without a high one"),
            (#""\u12""#, 1, 2, "expected 4 hexadecimal digits"),
            ("[1] x", 1, 5, "unexpected 'x' after the JSON value"),
            ("{\"a\":1}\n}", 2, 1, "unexpected '}' after the JSON value"),
            ("tru", 1, 1, "invalid literal; expected 'true'"),
            ("nul", 1, 1, "invalid literal; expected 'null'"),
            ("'a'", 1, 1, "strings must be in double quotes"),
            ("// c\n1", 1, 1, "JSON has no comments"),
            ("{\n  \"a\": [1,\n    2,,3]\n}", 3, 7, "unexpected ','; expected a JSON value"),
            ("[\"é\", x]", 1, 7, "unexpected 'x'"),
            ("[\"😀😀\",\n\"é\" ]]", 2, 6, "after the JSON value"),
            ("[\r\n1,\r\n]", 2, 2, "trailing comma"),
            ("[\r1,\r]", 2, 2, "trailing comma"),
        ])
    func invalidDocuments(input: String, line: Int, column: Int, message: String) {
        #expect {
            try JSONParser.parse(input)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.position == SourcePosition(line: line, column: column) && error.message.contains(message)
        }
    }

    @Test(
        "invalid UTF-8 is rejected",
        arguments: [
            ([0x22, 0xC3, 0x28, 0x22], 2, "invalid UTF-8 byte 0xC3"),
            ([0x22, 0xC0, 0x80, 0x22], 2, "invalid UTF-8 byte 0xC0"),  // overlong NUL
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], 2, "invalid UTF-8 byte 0xE0"),  // overlong '/'
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 2, "invalid UTF-8 byte 0xED"),  // encoded surrogate
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2, "invalid UTF-8 byte 0xF4"),  // above U+10FFFF
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 2, "invalid UTF-8 byte 0xF5"),
            ([0x22, 0x80, 0x22], 2, "invalid UTF-8 byte 0x80"),  // lone continuation
            ([0x22, 0xE2, 0x82], 2, "invalid UTF-8 byte 0xE2"),  // truncated at the end
            ([0xC3, 0xA9], 1, "unexpected 'é' (U+00E9)"),  // non-ASCII outside a string
            ([0xFF], 1, "invalid UTF-8 byte 0xFF"),
        ] as [([UInt8], Int, String)])
    func invalidUTF8(bytes: [UInt8], column: Int, message: String) {
        #expect {
            try JSONParser.parse(bytes)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.position == SourcePosition(line: 1, column: column) && error.message.contains(message)
        }
    }

    @Test("valid multi-byte UTF-8 of every length is accepted and columns count characters")
    func validUTF8() throws {
        let value = try JSONParser.parse(Array("[\"a\u{E9}\u{20AC}\u{1F600}\", 7]".utf8))
        #expect(value[0]?.asString == "a\u{E9}\u{20AC}\u{1F600}")
        // `[` `"` a é € 😀 `"` `,` space: the 7 is the tenth character.
        #expect(value[1]?.position == SourcePosition(line: 1, column: 10))
    }

    @Test("special characters are found at every offset of a long string", arguments: 0..<20)
    func specialCharacterAtEveryOffset(offset: Int) throws {
        let padding = String(repeating: "a", count: offset)
        let tail = String(repeating: "b", count: 20 - offset)
        #expect(try JSONParser.parse("\"\(padding)\\n\(tail)\"").asString == padding + "\n" + tail)
        #expect(try JSONParser.parse("\"\(padding)é\(tail)\"").asString == padding + "é" + tail)
        #expect(try JSONParser.parse("[\"\(padding)\", \"\(tail)\"]").asArray?.count == 2)
        for control in ["\u{01}", "\u{1F}", "\n"] {
            #expect {
                try JSONParser.parse("\"\(padding)\(control)\(tail)\"")
            } throws: { error in
                (error as? JSONSyntaxError)?.position == SourcePosition(line: 1, column: offset + 2)
            }
        }
        #expect(throws: JSONSyntaxError.self) {
            try JSONParser.parse(Array("\"\(padding)".utf8) + [0xFF] + Array("\(tail)\"".utf8))
        }
    }

    @Test("a leading byte order mark is skipped")
    func byteOrderMark() throws {
        let value = try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1, 2]".utf8))
        #expect(value.jsonText == "[1,2]")
        #expect(value[1]?.position == SourcePosition(line: 1, column: 5))
        // Only at the start: elsewhere it is an unexpected character.
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array("[1]".utf8) + [0xEF, 0xBB, 0xBF]) }
    }

    @Test("positions of values and keys are recorded")
    func positions() throws {
        let text = """
            {
              "name": "x",
              "list": [1,
                true]
            }
            """
        let value = try JSONParser.parse(text)
        let members = try #require(value.asObject)
        #expect(value.position == SourcePosition(line: 1, column: 1))
        #expect(members[0].keyPosition == SourcePosition(line: 2, column: 3))
        #expect(members[0].value.position == SourcePosition(line: 2, column: 11))
        #expect(members[1].value.position == SourcePosition(line: 3, column: 11))
        #expect(value["list"]?[1]?.position == SourcePosition(line: 4, column: 5))
    }

    @Test("nesting is limited, and hostile depth fails cleanly instead of overflowing the stack")
    func depthLimit() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONParser.parse(deepest).asArray?.count == 1)

        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect {
            try JSONParser.parse(tooDeep)
        } throws: { error in
            (error as? JSONSyntaxError)?.message == "arrays and objects are nested deeper than 512 levels"
                && (error as? JSONSyntaxError)?.position.column == 513
        }

        let hostile = String(repeating: "{\"a\":[", count: 200_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(hostile, maximumDepth: 1_000_000) }
        #expect(try JSONParser.parse("[[[1]]]", maximumDepth: 3)[0]?[0]?[0]?.intValue == 1)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[[[1]]]", maximumDepth: 2) }
    }

    @Test(
        "numbers keep their literal and convert on demand",
        arguments: [
            ("3", 3 as Int?, 3.0 as Double?),
            ("-3", -3, -3.0),
            ("3.0", 3, 3.0),
            ("3e0", 3, 3.0),
            ("2.5E1", 25, 25.0),
            ("3.5", nil, 3.5),
            ("1e30", nil, 1e30),
            ("9223372036854775807", Int.max, 9.223372036854775807e18),
            ("9223372036854775808", nil, 9.223372036854775808e18),
            ("-0", 0, -0.0),
        ])
    func numbers(literal: String, int: Int?, double: Double?) throws {
        let value = try JSONParser.parse(literal)
        #expect(value.numberLiteral == literal)
        #expect(value.intValue == int)
        #expect(value.doubleValue == double)
        #expect(value.asString == nil)
    }

    @Test("accessors")
    func accessors() throws {
        let value = try JSONParser.parse(#"{"s":"x","b":true,"n":null,"a":[1],"o":{},"d":1,"d":2}"#)
        #expect(value["s"]?.asString == "x")
        #expect(value["b"]?.asBool == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?.asArray?.count == 1)
        #expect(value["a"]?[0]?.intValue == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?.asObject?.isEmpty == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["x"] == nil)
        // Duplicates are kept in order; the subscript answers the last one.
        #expect(value.asObject?.filter { $0.key == "d" }.count == 2)
        #expect(value["d"]?.intValue == 2)
        #expect(value["o"]?.kindDescription == "an object")
        #expect(value["n"]?.kindDescription == "null")
    }

    @Test("equality ignores positions and compares numbers by value")
    func equality() throws {
        #expect(try JSONParser.parse("1") == JSONParser.parse("1.0"))
        #expect(try JSONParser.parse(" [1]") == JSONParser.parse("[1]"))
        #expect(try JSONParser.parse("[1]") != JSONParser.parse("[2]"))
        #expect(try JSONParser.parse(#"{"a":1}"#) != JSONParser.parse(#"{"b":1}"#))
        #expect(try JSONParser.parse("1").hashValue == JSONParser.parse("1.0").hashValue)
    }

    @Test("the unsafe-buffer entry point parses the same text")
    func rawBuffer() throws {
        let bytes = Array(#"{"k":[1,2]}"#.utf8)
        let value = try bytes.withUnsafeBytes { buffer in try JSONParser.parse(buffer) }
        #expect(value.jsonText == #"{"k":[1,2]}"#)
    }
}
