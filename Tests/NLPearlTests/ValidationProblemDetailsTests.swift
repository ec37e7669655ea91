import Foundation
import JSON
import Testing

@testable import NLPearl

@Suite("ValidationProblemDetails reading and writing")
struct ValidationProblemDetailsTests {
    @Test("named members decode typed; every other member is kept as JSON")
    func decodesNamedAndAdditional() throws {
        let json = """
            {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1",
             "title":"One or more validation errors occurred.",
             "status":400,"detail":"d","instance":"/v2/Outbound/P/Leads",
             "errors":{"leadIds[0]":["bad"],"leadIds[2]":["worse","worst"]},
             "traceId":"00-abc-01","count":12,"ratio":0.5,"flag":true,"nothing":null,"list":[1,"a"],"nested":{"k":"v"}}
            """
        let problem = try #require(ValidationProblemDetails(json: try JSONParser.parse(json)))
        #expect(problem.type == "https://tools.ietf.org/html/rfc9110#section-15.5.1")
        #expect(problem.title == "One or more validation errors occurred.")
        #expect(problem.status == 400)
        #expect(problem.detail == "d")
        #expect(problem.instance == "/v2/Outbound/P/Leads")
        #expect(problem.errors == ["leadIds[0]": ["bad"], "leadIds[2]": ["worse", "worst"]])
        #expect(
            problem.additionalProperties.mapValues(\.jsonText) == [
                "traceId": #""00-abc-01""#, "count": "12", "ratio": "0.5", "flag": "true", "nothing": "null",
                "list": #"[1,"a"]"#, "nested": #"{"k":"v"}"#,
            ])
    }

    @Test("nulls of named members are nil, not additional members")
    func nullNamedMembers() throws {
        let json = #"{"type":null,"title":null,"status":null,"detail":null,"instance":null,"errors":null}"#
        let problem = try #require(ValidationProblemDetails(json: try JSONParser.parse(json)))
        #expect(problem == ValidationProblemDetails())
    }

    @Test("a named member of another type is kept as an additional member")
    func mistypedNamedMember() throws {
        let json = #"{"status":"400","errors":{"x":"not a list"}}"#
        let problem = try #require(ValidationProblemDetails(json: try JSONParser.parse(json)))
        #expect(problem.status == nil)
        #expect(problem.errors == nil)
        #expect(problem.additionalProperties["status"] == .string("400"))
        #expect(problem.additionalProperties["errors"]?.jsonText == #"{"x":"not a list"}"#)
    }

    @Test("writing puts additional members back, so a round trip loses nothing")
    func roundTrip() throws {
        let problem = ValidationProblemDetails(
            title: "t", status: 400, errors: ["leadIds[0]": ["bad"]],
            additionalProperties: [
                "traceId": .string("x"), "n": .integer(-3), "big": .integer(Int64.max), "title": .string("shadowed"),
            ]
        )
        #expect(
            problem.jsonText
                == #"{"title":"t","status":400,"errors":{"leadIds[0]":["bad"]},"big":9223372036854775807,"n":-3,"#
                + #""traceId":"x"}"#)
        var expected = problem
        expected.additionalProperties["title"] = nil
        #expect(ValidationProblemDetails(json: try JSONParser.parse(problem.jsonText)) == expected)
    }

    @Test("a body that is not an object is no problem")
    func notAnObject() throws {
        #expect(ValidationProblemDetails(json: try JSONParser.parse("[1]")) == nil)
    }

    @Test("summary names the title, detail and fields at fault")
    func summary() {
        let problem = ValidationProblemDetails(title: "T", detail: "D", errors: ["b": ["y"], "a": ["x"]])
        #expect(problem.summary == "T - D - errors: a: x; b: y")
        #expect(ValidationProblemDetails().summary == "no details")
    }
}
