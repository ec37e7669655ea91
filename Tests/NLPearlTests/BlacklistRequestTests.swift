import FakeNLPearl
import Foundation
import Testing

@testable import NLPearl

@Suite("The wire form of a blacklist call")
struct BlacklistRequestTests {
    @Test(
        "the URL joins base URL and /v2/Account/Blacklist without doubled or missing slashes",
        arguments: [
            ("https://api.nlpearl.ai", "https://api.nlpearl.ai/v2/Account/Blacklist"),
            ("https://api.nlpearl.ai/", "https://api.nlpearl.ai/v2/Account/Blacklist"),
            ("http://127.0.0.1:8099//", "http://127.0.0.1:8099/v2/Account/Blacklist"),
            ("http://proxy.local/nlpearl", "http://proxy.local/nlpearl/v2/Account/Blacklist"),
            ("http://proxy.local/nlpearl/", "http://proxy.local/nlpearl/v2/Account/Blacklist"),
        ]
    )
    func urlJoinsBaseAndPath(baseURL: String, expected: String) {
        #expect(BlacklistRequest(baseURL: baseURL, phoneNumbers: ["+1"]).url == expected)
    }

    @Test("the body is exactly {\"phoneNumbers\":[...]}, in order, and JSON-escapes every entry")
    func bodyHasOnlyPhoneNumbers() throws {
        let numbers = ["+15551234567", "+41", "quote\"back\\slash", "new\nline", "+15551234567"]
        let body = BlacklistRequest.body(phoneNumbers: numbers)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"phoneNumbers":["+15551234567","+41","quote\"back\\slash","new\nline""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(Array(object.keys) == ["phoneNumbers"])
        #expect(object["phoneNumbers"] as? [String] == numbers)
    }

    @Test("no numbers is an empty array, not null")
    func emptyPhoneNumbers() {
        #expect(String(decoding: BlacklistRequest.body(phoneNumbers: []), as: UTF8.self) == #"{"phoneNumbers":[]}"#)
    }

    @Test("the client and the fake hold the published limit of 25 characters an entry")
    func entryLimit() {
        #expect(NLPearlClient.maxBlacklistEntryLength == 25)
        #expect(ContractValidator.maxBlacklistEntryLength == NLPearlClient.maxBlacklistEntryLength)
    }
}
