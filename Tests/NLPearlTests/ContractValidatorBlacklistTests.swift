import Foundation
import Testing

@testable import FakeNLPearl

@Suite("The fake's contract checks of POST /v2/Account/Blacklist")
struct ContractValidatorBlacklistTests {
    static func check(
        method: String = "POST",
        uri: String = "/v2/Account/Blacklist",
        headers: [String: [String]] = ContractValidatorTests.goodHeaders,
        body: String = #"{"phoneNumbers":["+15551234567","+41"]}"#
    ) -> ContractValidator.Verdict {
        ContractValidatorTests.check(method: method, uri: uri, headers: headers, body: body)
    }

    static func violation(_ verdict: ContractValidator.Verdict) -> ContractValidator.Violation? {
        ContractValidatorTests.violation(verdict)
    }

    /// A body whose phoneNumbers are these, JSON-escaped.
    static func body(_ numbers: [String]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: ["phoneNumbers": numbers])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    @Test("full numbers and prefixes up to 25 characters are valid, in order")
    func validRequest() {
        #expect(Self.check() == .validBlacklist(phoneNumbers: ["+15551234567", "+41"]))
        let longest = "+" + String(repeating: "9", count: 24)
        #expect(
            Self.check(body: Self.body(["+41837", longest, "+1"]))
                == .validBlacklist(phoneNumbers: ["+41837", longest, "+1"]))
        #expect(Self.check(body: #" { "phoneNumbers" : [ "+4412" ] } "#) == .validBlacklist(phoneNumbers: ["+4412"]))
    }

    @Test("a number that repeats an earlier one is a 400 violation naming the repeat")
    func duplicates() throws {
        let violation = try #require(
            Self.violation(Self.check(body: Self.body(["+15551234567", "+41", "+15551234567"]))))
        #expect(violation.status == 400)
        #expect(violation.field == "phoneNumbers[2]")
        #expect(violation.detail.contains("phoneNumbers[0]"))
        #expect(violation.endpoint == .blacklist)
        // A prefix and a number inside its range are different entries.
        #expect(Self.check(body: Self.body(["+41", "+41837"])) == .validBlacklist(phoneNumbers: ["+41", "+41837"]))
    }

    @Test("an entry of 26 characters is a 400 violation naming it")
    func tooLong() throws {
        let entry = "+" + String(repeating: "1", count: 25)
        #expect(entry.count == 26)
        let violation = try #require(Self.violation(Self.check(body: Self.body(["+41", entry]))))
        #expect(violation.status == 400)
        #expect(violation.field == "phoneNumbers[1]")
        #expect(violation.detail.contains("26 characters"))
    }

    @Test(
        "an entry that is not + and digits is a 400 violation naming it",
        arguments: [
            "15551234567", "+1 555 123 4567", "+1-555-123-4567", "+1(555)1234567", "+", "", "++15551234567",
            "+1555123456a", " +15551234567", "+15551234567\n", "tel:+15551234567", "+١٢٣٤", "+１２３",
        ]
    )
    func notE164(entry: String) throws {
        let violation = try #require(Self.violation(Self.check(body: Self.body(["+41", entry]))))
        #expect(violation.status == 400)
        #expect(violation.field == "phoneNumbers[1]")
    }

    @Test(
        "a body without exactly a non-empty phoneNumbers array of strings is a 400 violation naming the field",
        arguments: [
            ("", "$"), ("not json", "$"), ("null", "$"), (#"["+41"]"#, "$"), (#"{"phoneNumbers":["+41""#, "$"),
            ("{}", "phoneNumbers"), (#"{"phoneNumbers":null}"#, "phoneNumbers"),
            (#"{"phoneNumbers":[]}"#, "phoneNumbers"),
            (#"{"phoneNumbers":"+41"}"#, "phoneNumbers"), (#"{"phoneNumbers":{"0":"+41"}}"#, "phoneNumbers"),
            (#"{"phoneNumbers":["+41"],"reason":"opt-out"}"#, "reason"), (#"{"phonenumbers":["+41"]}"#, "phonenumbers"),
            (#"{"leadIds":["L1"]}"#, "leadIds"), (#"{"phoneNumbers":["+41",4155512345]}"#, "phoneNumbers[1]"),
            (#"{"phoneNumbers":[null]}"#, "phoneNumbers[0]"), (#"{"phoneNumbers":[true]}"#, "phoneNumbers[0]"),
            (#"{"phoneNumbers":[["+41"]]}"#, "phoneNumbers[0]"),
        ]
    )
    func badBodies(body: String, field: String) {
        let violation = Self.violation(Self.check(body: body))
        #expect(violation?.status == 400)
        #expect(violation?.field == field)
        #expect(violation?.endpoint == .blacklist)
        #expect(violation?.detail.isEmpty == false)
    }

    @Test("methods other than POST are 405 and say to use POST", arguments: ["GET", "PUT", "DELETE", "PATCH", "post"])
    func wrongMethods(method: String) {
        let violation = Self.violation(Self.check(method: method))
        #expect(violation?.status == 405)
        #expect(violation?.endpoint == .blacklist)
        #expect(violation?.detail.contains("use POST") == true)
    }

    @Test("Authorization is checked as for the delete: malformed is a 401 violation, another token a wrong token")
    func authorization() {
        var headers = ContractValidatorTests.goodHeaders
        headers["Authorization"] = []
        #expect(Self.violation(Self.check(headers: headers))?.status == 401)
        headers["Authorization"] = ["Basic YWNjdDpzZWNyZXQ="]
        #expect(Self.violation(Self.check(headers: headers))?.field == "Authorization")
        headers["Authorization"] = ["Bearer acct:other"]
        #expect(Self.check(headers: headers) == .wrongToken(endpoint: .blacklist, pearlId: nil))
    }

    @Test("Content-Type is checked as for the delete")
    func contentType() {
        var headers = ContractValidatorTests.goodHeaders
        headers["Content-Type"] = ["text/plain"]
        #expect(Self.violation(Self.check(headers: headers))?.field == "Content-Type")
        headers["Content-Type"] = ["text/json; charset=utf-8"]
        #expect(Self.check(headers: headers) == .validBlacklist(phoneNumbers: ["+15551234567", "+41"]))
    }

    @Test("a body that sends phoneNumbers twice is a 400 violation naming the member")
    func repeatedMember() {
        let violation = Self.violation(Self.check(body: #"{"phoneNumbers":["+41"],"phoneNumbers":null}"#))
        #expect(violation?.status == 400)
        #expect(violation?.field == "phoneNumbers")
        #expect(violation?.detail.contains(#"the member "phoneNumbers" more than once"#) == true)
    }

    @Test(
        "near misses of the path are 404 of no endpoint; a query string is 400",
        arguments: [
            ("/v2/Account/Blacklist/", 404), ("/v2/account/blacklist", 404), ("/v2/Account/Blacklist/Search", 404),
            ("/v1/Account/Blacklist", 404), ("/v2/Account/Blacklist?dryRun=true", 400),
        ]
    )
    func targets(uri: String, status: Int) {
        let violation = Self.violation(Self.check(uri: uri))
        #expect(violation?.status == status)
        #expect(violation?.endpoint == (status == 404 ? nil : .blacklist))
    }
}
