import JSON
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("commas fall between members and elements, at every depth")
    func structure() {
        let text = JSONWriter.text { json in
            json.object { json in
                json.member("a", 1)
                json.member("b") { json in
                    json.array { json in
                        json.int(1)
                        json.object { _ in }
                        json.array { _ in }
                        json.null()
                    }
                }
                json.member("c", true)
                json.nullMember("d")
            }
        }
        #expect(text == #"{"a":1,"b":[1,{},[],null],"c":true,"d":null}"#)
    }

    @Test("a member whose value is nil is left out")
    func nilMembers() {
        let text = JSONWriter.text { json in
            json.object { json in
                json.member("s", nil as String?)
                json.member("i", nil as Int?)
                json.member("b", nil as Bool?)
                json.member("list", nil as [String]?)
                json.member("kept", "x")
            }
        }
        #expect(text == #"{"kept":"x"}"#)
    }

    @Test(
        "strings are escaped as RFC 8259 requires, DEL too, and the rest is copied as UTF-8",
        arguments: [
            ("plain", #""plain""#),
            ("quote \" and \\ backslash", #""quote \" and \\ backslash""#),
            ("line\nfeed\rreturn\ttab", #""line\nfeed\rreturn\ttab""#),
            ("\u{0}\u{1F}\u{7F}", #""\u0000\u001f\u007f""#),
            ("é😀/", #""é😀/""#),
        ])
    func escaping(input: String, expected: String) throws {
        let text = JSONWriter.text { $0.string(input) }
        #expect(text == expected)
        #expect(try JSONParser.parse(text).asString == input)
    }

    @Test("numbers: integers as integers, a non-finite double as null")
    func numbers() {
        #expect(JSONWriter.text { $0.double(3) } == "3")
        #expect(JSONWriter.text { $0.double(0.25) } == "0.25")
        #expect(JSONWriter.text { $0.double(.infinity) } == "null")
        #expect(JSONWriter.text { $0.int(Int64.min) } == "-9223372036854775808")
        #expect(JSONWriter.text { $0.number(literal: "-12.5e3") } == "-12.5e3")
    }

    @Test("raw JSON is embedded as it is, with its comma")
    func raw() {
        let text = JSONWriter.text { json in
            json.array { json in
                json.raw(Array(#"{"x":[1]}"#.utf8))
                json.raw(Array("2".utf8))
            }
        }
        #expect(text == #"[{"x":[1]},2]"#)
    }

    @Test("a parsed value is written back with its literals and its members in order, duplicates included")
    func parsedValues() throws {
        let source = #"{"b":1.50,"a":[true,null,"x"],"b":{"c":-0}}"#
        #expect(try JSONParser.parse(source).jsonText == source)
    }

    @Test("an array of strings round-trips through arrayText and strings")
    func stringArrays() {
        let strings = ["email:a@b.c", "hubspot:1", "quote\""]
        let text = JSONWriter.arrayText(strings)
        #expect(text == #"["email:a@b.c","hubspot:1","quote\""]"#)
        #expect(JSONParser.strings(text) == strings)
        #expect(JSONParser.strings("[]") == [])
        #expect(JSONParser.strings(#"["a",1]"#) == nil)
        #expect(JSONParser.strings("{}") == nil)
        #expect(JSONParser.strings("not json") == nil)
    }
}
