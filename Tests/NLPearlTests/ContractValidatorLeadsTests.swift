import Testing

@testable import FakeNLPearl

@Suite("The fake's contract checks of the lead endpoints, without a socket")
struct ContractValidatorLeadsTests {
    static func check(_ uri: String, method: String = "POST", body: String) -> ContractValidator.Verdict {
        ContractValidatorTests.check(method: method, uri: uri, body: body)
    }

    static func violation(_ uri: String, _ body: String) -> ContractValidator.Violation? {
        ContractValidatorTests.violation(check(uri, body: body))
    }

    @Test("the members of a search are read, null and missing alike where the reference allows null")
    func search() {
        let body =
            #"{"skip":2,"limit":100,"sortProp":"created","isAscending":false,"statuses":[1,1],"searchInput":"x"}"#
        let expected = FakeNLPearl.LeadSearch(
            skip: 2, limit: 100, sortProp: "created", isAscending: false, statuses: [1], searchInput: "x")
        #expect(Self.check("/v1/Outbound/P/Leads", body: body) == .validSearchLeads(pearlId: "P", search: expected))
        #expect(
            Self.check("/v1/Outbound/P/Leads", body: #"{"limit":5,"sortProp":null,"statuses":null,"searchInput":null}"#)
                == .validSearchLeads(pearlId: "P", search: .init(limit: 5)))
    }

    @Test(
        "only a number literal without a fraction or an exponent, within Int64, is an integer",
        arguments: [
            (#"{"limit":1.5}"#, "limit is a number, not an integer"),
            (#"{"limit":10.0}"#, "limit is a number, not an integer"),
            (#"{"limit":1e1}"#, "limit is a number, not an integer"),
            (#"{"limit":1E1}"#, "limit is a number, not an integer"),
            (#"{"limit":true}"#, "limit is a boolean, not an integer"),
            (#"{"limit":null}"#, "limit is null, not an integer"),
            (#"{"limit":"10"}"#, "limit is a string, not an integer"),
            (#"{"limit":10,"skip":9223372036854775808}"#, "skip is a number, not an integer"),
            (#"{"limit":10,"skip":9223372036854775807}"#, "skip is 9223372036854775807; send 0 to 2147483647"),
            (#"{"limit":10,"skip":2147483648}"#, "skip is 2147483648; send 0 to 2147483647"),
            (#"{"limit":10,"statuses":[1.0]}"#, "statuses[0] is a number, not an integer"),
            (#"{"limit":10,"statuses":[false]}"#, "statuses[0] is a boolean, not an integer"),
            (#"{"limit":10,"isAscending":1}"#, "isAscending is a number, not a boolean"),
            (#"{"limit":10,"sortProp":[]}"#, "sortProp is an array, not a string"),
            (#"{"limit":10,"statuses":{}}"#, "statuses is an object, not an array of integers"),
        ])
    func integers(body: String, detail: String) {
        #expect(Self.violation("/v1/Outbound/P/Leads", body)?.detail == detail)
    }

    @Test(
        "a member sent twice is refused as ambiguous, naming it, in a body, a lead and callData",
        arguments: [
            ("/v1/Outbound/P/Leads", #"{"limit":10,"limit":10}"#, "limit", "the request body"),
            ("/v1/Outbound/P/Leads", #"{"limit":10,"skip":0,"skip":1}"#, "skip", "the request body"),
            (
                "/v2/Outbound/P/Lead", #"{"phoneNumber":"+15551234567","phoneNumber":"+15557654321"}"#, "phoneNumber",
                "the request body"
            ),
            (
                "/v2/Outbound/P/Lead", #"{"phoneNumber":"+15551234567","callData":{"n":"a","n":"b"}}"#, "callData.n",
                "callData"
            ),
            (
                "/v2/Outbound/P/Leads/Add", #"{"leads":[],"leads":[{"phoneNumber":"+15551234567"}]}"#, "leads",
                "the request body"
            ),
            (
                "/v2/Outbound/P/Leads/Add",
                #"{"leads":[{"phoneNumber":"+15551234567"},{"phoneNumber":"+1555","phoneNumber":"+15551234568"}]}"#,
                "leads[1].phoneNumber", "leads[1]"
            ),
            (
                "/v2/Outbound/P/Leads/Add",
                #"{"leads":[{"phoneNumber":"+15551234567","callData":{"k":"v","k":"v"}}]}"#, "leads[0].callData.k",
                "leads[0].callData"
            ),
        ])
    func duplicateMembers(uri: String, body: String, field: String, owner: String) {
        let violation = Self.violation(uri, body)
        #expect(violation?.status == 400)
        #expect(violation?.field == field)
        let key = field.split(separator: ".").last.map(String.init) ?? field
        #expect(
            violation?.detail
                == "\(owner) has the member \"\(key)\" more than once; a repeated member is ambiguous, send each once")
    }

    @Test("an unknown member is named before a repeated one, as the fake did before it refused repeats")
    func extraBeforeDuplicate() {
        let violation = Self.violation("/v1/Outbound/P/Leads", #"{"limit":10,"limit":10,"page":1,"page":2}"#)
        #expect(violation?.field == "page")
        #expect(violation?.detail.contains("does not define (\"page\")") == true)
    }

    @Test("a lead's members are read in source order: the first callData value that is not a string is named")
    func callDataOrder() {
        let body = #"{"phoneNumber":"+15551234567","callData":{"z":"ok","b":1,"a":true}}"#
        let violation = Self.violation("/v2/Outbound/P/Lead", body)
        #expect(violation?.field == "callData.b")
        #expect(violation?.detail == "callData.b is a number, not a string")
        let lead = FakeNLPearl.NewLead(
            phoneNumber: "+15551234567", externalId: "crm-1", callData: ["name": "Ada \u{1F600}", "quote": "\"\\"])
        #expect(
            Self.check(
                "/v2/Outbound/P/Lead",
                body: #"{"phoneNumber":"+15551234567","externalId":"crm-1","timeZoneId":null,"#
                    + #""callData":{"name":"Ada \ud83d\ude00","quote":"\"\\"}}"#)
                == .validAddLead(pearlId: "P", lead: lead))
    }

    @Test(
        "text that a lenient parser would take is not valid JSON",
        arguments: [
            #"{"limit":10,}"#, #"{"limit":010}"#, #"{"limit":10} x"#, #"{"limit":NaN}"#, #"{"limit":10 /* c */}"#,
            #"{"searchInput":"\ud800","limit":10}"#,
        ])
    func strictJSON(body: String) {
        let violation = Self.violation("/v1/Outbound/P/Leads", body)
        #expect(violation?.field == "$")
        #expect(violation?.detail == "the request body is not valid JSON")
    }
}
