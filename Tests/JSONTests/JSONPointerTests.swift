import JSON
import Testing

@Suite("JSON pointers")
struct JSONPointerTests {
    static let document = """
        {"a": {"b": [10, {"c": "deep"}]}, "a/b": 1, "m~n": 2, "": 3, "list": [0, 1, 2]}
        """

    @Test(
        "pointers resolve as RFC 6901 says",
        arguments: [
            ("", #"{"a":{"b":[10,{"c":"deep"}]},"a/b":1,"m~n":2,"":3,"list":[0,1,2]}"#),
            ("/a/b/0", "10"),
            ("/a/b/1/c", #""deep""#),
            ("/a~1b", "1"),
            ("/m~0n", "2"),
            ("/", "3"),
            ("/list/2", "2"),
        ])
    func resolves(pointer: String, expected: String) throws {
        let document = try JSONParser.parse(Self.document)
        #expect(document.at(pointer: pointer)?.jsonText == expected)
        #expect(document.at(pointer: try JSONPointer(pointer))?.jsonText == expected)
    }

    @Test(
        "pointers to nothing resolve to nil",
        arguments: ["/missing", "/list/3", "/list/-", "/list/01", "/list/x", "/a/b/0/c", "a", "/~2"])
    func nothing(pointer: String) throws {
        let document = try JSONParser.parse(Self.document)
        #expect(document.at(pointer: pointer) == nil)
    }

    @Test("malformed pointers are rejected with a reason", arguments: ["a", "/~", "/a~2"])
    func malformed(pointer: String) {
        #expect(throws: JSONPointerError.self) { try JSONPointer(pointer) }
    }

    @Test("a pointer prints escaped")
    func description() throws {
        #expect(try JSONPointer("/a~1b/m~0n/0").tokens == ["a/b", "m~n", "0"])
        #expect(try JSONPointer("/a~1b/m~0n/0").description == "/a~1b/m~0n/0")
        #expect(JSONPointer(tokens: []).description == "")
    }
}
