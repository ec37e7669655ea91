import Foundation
import Testing

@testable import NLPearl

@Suite("The wire form of a delete call")
struct DeleteLeadsRequestTests {
    @Test(
        "the URL joins base URL and path without doubled or missing slashes",
        arguments: [
            ("https://api.nlpearl.ai", "https://api.nlpearl.ai/v2/Outbound/P1/Leads"),
            ("https://api.nlpearl.ai/", "https://api.nlpearl.ai/v2/Outbound/P1/Leads"),
            ("http://127.0.0.1:8099//", "http://127.0.0.1:8099/v2/Outbound/P1/Leads"),
            ("http://proxy.local/nlpearl", "http://proxy.local/nlpearl/v2/Outbound/P1/Leads"),
            ("http://proxy.local/nlpearl/", "http://proxy.local/nlpearl/v2/Outbound/P1/Leads"),
        ]
    )
    func urlJoinsBaseAndPath(baseURL: String, expected: String) {
        #expect(DeleteLeadsRequest.url(baseURL: baseURL, pearlId: "P1") == expected)
    }

    @Test(
        "a pearlId is percent-encoded as exactly one path segment",
        arguments: [
            ("6720c0f8e4b0a1b2c3d4e5f6", "6720c0f8e4b0a1b2c3d4e5f6"),
            ("a/b", "a%2Fb"),
            ("a b?c#d%e", "a%20b%3Fc%23d%25e"),
            ("é", "%C3%A9"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("a.b-c_d~e", "a.b-c_d~e"),
        ]
    )
    func pearlIdIsOneEncodedSegment(pearlId: String, encoded: String) {
        #expect(DeleteLeadsRequest.encodePathSegment(pearlId) == encoded)
    }

    @Test("the body is exactly {\"leadIds\":[...]} and JSON-escapes every id")
    func bodyHasOnlyLeadIds() throws {
        let leadIds = ["L1", "quote\"back\\slash", "new\nline\ttab", "\u{01}ctl", "ünï", "L1"]
        let body = DeleteLeadsRequest.body(leadIds: leadIds)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"leadIds":["L1","quote\"back\\slash","new\nline\ttab","\u0001ctl""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(Array(object.keys) == ["leadIds"])
        #expect(object["leadIds"] as? [String] == leadIds)
    }

    @Test("no leads is an empty array, not null")
    func emptyLeadIds() {
        #expect(String(decoding: DeleteLeadsRequest.body(leadIds: []), as: UTF8.self) == #"{"leadIds":[]}"#)
    }
}
