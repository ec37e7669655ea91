import Testing

@testable import FakeNLPearl

@Suite("The fake's contract checks")
struct ContractValidatorTests {
    static let validator = ContractValidator(token: "acct:secret")
    static let goodHeaders = ["Authorization": ["Bearer acct:secret"], "Content-Type": ["application/json"]]

    static func check(
        method: String = "DELETE",
        uri: String = "/v2/Outbound/P1/Leads",
        headers: [String: [String]] = goodHeaders,
        body: String = #"{"leadIds":["L1","L2"]}"#
    ) -> ContractValidator.Verdict {
        let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        return validator.check(
            method: method, uri: uri, headerValues: { lowered[$0.lowercased()] ?? [] }, body: Array(body.utf8)
        )
    }

    static func violation(_ verdict: ContractValidator.Verdict) -> ContractValidator.Violation? {
        if case .violation(let violation) = verdict { return violation }
        return nil
    }

    @Test("a request per contract is valid and yields pearlId and leadIds, duplicates kept")
    func validRequest() {
        #expect(Self.check() == .valid(pearlId: "P1", leadIds: ["L1", "L2"]))
        #expect(Self.check(body: #"{"leadIds":["L1","L1"]}"#) == .valid(pearlId: "P1", leadIds: ["L1", "L1"]))
        #expect(Self.check(body: #"{"leadIds":[]}"#) == .valid(pearlId: "P1", leadIds: []))
        #expect(Self.check(body: #" { "leadIds" : null } "#) == .valid(pearlId: "P1", leadIds: []))
        #expect(Self.check(body: "{}") == .valid(pearlId: "P1", leadIds: []))
    }

    @Test("the pearlId segment is percent-decoded")
    func pearlIdDecoded() {
        #expect(
            Self.check(uri: "/v2/Outbound/a%2Fb%20c%C3%A9/Leads") == .valid(pearlId: "a/b cé", leadIds: ["L1", "L2"]))
    }

    @Test(
        "every allowed content type passes, with parameters",
        arguments: [
            "application/json", "text/json", "application/problem+json", "application/vnd.nlpearl+json",
            "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"", "text/json; charset=utf8",
        ]
    )
    func allowedContentTypes(contentType: String) {
        var headers = Self.goodHeaders
        headers["Content-Type"] = [contentType]
        #expect(Self.check(headers: headers) == .valid(pearlId: "P1", leadIds: ["L1", "L2"]))
    }

    @Test(
        "paths of no endpoint are 404",
        arguments: [
            "/", "/v2/Outbound/P1", "/v2/Outbound/P1/Leads/", "/v2/outbound/P1/Leads", "/v3/Outbound/P1/Leads",
            "/v2/Outbound//Leads", "/v2/Outbound/P1/X/Leads", "v2/Outbound/P1/Leads",
        ]
    )
    func wrongPaths(uri: String) {
        #expect(Self.violation(Self.check(uri: uri))?.status == 404)
    }

    @Test(
        "a query string or a bad escape in the pearlId is 400",
        arguments: [
            "/v2/Outbound/P1/Leads?x=1", "/v2/Outbound/P%2/Leads", "/v2/Outbound/P%FF/Leads", "/v2/Outbound/%zz/Leads",
        ])
    func badTargets(uri: String) {
        #expect(Self.violation(Self.check(uri: uri))?.status == 400)
    }

    @Test("methods other than DELETE are 405", arguments: ["GET", "POST", "PUT", "PATCH", "delete"])
    func wrongMethods(method: String) {
        let violation = Self.violation(Self.check(method: method))
        #expect(violation?.status == 405)
        #expect(violation?.detail.contains(method) == true)
    }

    @Test(
        "a missing, repeated or malformed Authorization is a 401 violation",
        arguments: [
            [], ["acct:secret"], ["Basic YWNjdDpzZWNyZXQ="], ["Bearer"], ["Bearer "], ["Bearer  acct:secret"],
            ["Bearer acct:secret", "Bearer acct:secret"],
        ]
    )
    func badAuthorization(values: [String]) {
        var headers = Self.goodHeaders
        headers["Authorization"] = values
        let violation = Self.violation(Self.check(headers: headers))
        #expect(violation?.status == 401)
        #expect(violation?.field == "Authorization")
    }

    @Test("a well-formed bearer with another token is a wrong token, not a violation")
    func wrongToken() {
        var headers = Self.goodHeaders
        headers["Authorization"] = ["Bearer acct:other"]
        #expect(Self.check(headers: headers) == .wrongToken(endpoint: .deleteLeads, pearlId: "P1"))
        headers["Authorization"] = ["bearer acct:secret"]
        #expect(Self.check(headers: headers) == .valid(pearlId: "P1", leadIds: ["L1", "L2"]))
    }

    @Test(
        "a missing, repeated or non-JSON Content-Type is a 400 violation",
        arguments: [
            [], ["text/plain"], ["application/x-www-form-urlencoded"], ["application/+json"],
            ["application/json; charset=latin1"], ["application/json", "application/json"], ["json"],
        ]
    )
    func badContentType(values: [String]) {
        var headers = Self.goodHeaders
        headers["Content-Type"] = values
        let violation = Self.violation(Self.check(headers: headers))
        #expect(violation?.status == 400)
        #expect(violation?.field == "Content-Type")
    }

    @Test(
        "a body that breaks DeleteLeadsRequestApi is a 400 violation naming the field",
        arguments: [
            ("", "$"), ("not json", "$"), ("[]", "$"), ("\"leadIds\"", "$"), ("{\"leadIds\":[\"L1\"", "$"),
            (#"{"leadIds":["L1"],"pearlId":"P1"}"#, "pearlId"), (#"{"leadIDs":["L1"]}"#, "leadIDs"),
            (#"{"leadIds":"L1"}"#, "leadIds"), (#"{"leadIds":{"0":"L1"}}"#, "leadIds"),
            (#"{"leadIds":["L1",2]}"#, "leadIds[1]"), (#"{"leadIds":[true]}"#, "leadIds[0]"),
            (#"{"leadIds":[null]}"#, "leadIds[0]"), (#"{"leadIds":[["L1"]]}"#, "leadIds[0]"),
        ]
    )
    func badBodies(body: String, field: String) {
        let violation = Self.violation(Self.check(body: body))
        #expect(violation?.status == 400)
        #expect(violation?.field == field)
        #expect(violation?.detail.isEmpty == false)
    }

    @Test("a body that sends leadIds twice is a 400 violation: which one a server keeps is up to its parser")
    func repeatedMember() {
        let violation = Self.violation(Self.check(body: #"{"leadIds":["L1"],"leadIds":["L2"]}"#))
        #expect(violation?.status == 400)
        #expect(violation?.field == "leadIds")
        #expect(violation?.detail.contains(#"the member "leadIds" more than once"#) == true)
        // Repeated ids in the one array are the caller's business, as before.
        #expect(Self.check(body: #"{"leadIds":["L1","L1"]}"#) == .valid(pearlId: "P1", leadIds: ["L1", "L1"]))
    }

    @Test("routing is checked before authorization, authorization before the body")
    func checkOrder() {
        #expect(Self.violation(Self.check(uri: "/nope", headers: [:], body: ""))?.status == 404)
        #expect(Self.violation(Self.check(headers: [:], body: ""))?.status == 401)
    }
}
