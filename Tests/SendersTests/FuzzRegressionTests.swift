import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

/// Inputs that the libFuzzer targets in `Fuzz/` found to crash a sender, replayed through the same API.
///
/// Each case is the exact input of an artifact (or the body it carried) and the refusal now given instead of the
/// crash; without the fix each of them aborts the test process.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// The body of `Fuzz/artifacts/FuzzHTTP/crash-88f66b81ba4115c83f44dd922c4fb289a6fe7a04`, a
    /// `POST /hooks/salesforce` that FuzzHTTP made from the `salesforce-batch.xml` fixture by changing one byte: the
    /// namespace prefix `xsi` became `0xF1 si`. FoundationXML's XMLParser force-unwraps the names libxml2 hands it as
    /// UTF-8, so the process aborted while `authenticate` read the OrganizationId, before any token or
    /// OrganizationId check could refuse the request.
    static let crashingBody = Array(Data(base64Encoded: crashingBodyBase64.joined())!)

    private static let crashingBodyBase64 = [
        "PD94bWwgdmVyc2lvbj0iMS4wIiBlbmNvZGluZz0iVVRGLTgiPz4KPHNvYXBlbnY6RW52ZWxvcGUgeG1sbnM6c29hcGVudj0iaHR0",
        "cDovL3NjaGVtYXMueG1sc29hcC5vcmcvc29hcC9lbnZlbG9wZS8iIHhtbG5zOnhzZD0iaHR0cDovL3d3dy53My5vcmcvMjAwMS9Y",
        "TUxTY2hlbWEiIHhtbG5zOvFzaT0iaHR0cDovL3d3dy53My5vcmcvMjAwMS9YTUxTY2hlbWEtaW5zdGFuY2UiPgogPHNvYXBlbnY6",
        "Qm9keT4KICA8bm90aWZpY2F0aW9ucyB4bWxucz0iaHR0cDovL3NvYXAuc2ZvcmNlLmNvbS8yMDA1LzA5L291dGJvdW5kIj4KICAg",
        "PE9yZ2FuaXphdGlvbklkPjAwRDVlMDAwMDAwQWJDZEVBSzwvT3JnYW5pemF0aW9uSWQ+CiAgIDxBY3Rpb25JZD4wNGs1ZTAwMDAw",
        "MEFiQ2RBQUs8L0FjdGlvbklkPgogICA8U2Vzc2lvbklkIHhzaTpuaWw9InRydWUiLz4KICAgPEVudGVycHJpc2VVcmw+aHR0cHM6",
        "Ly94Lm15LnNhbGVzZm9yY2UuY29tL3NlcnZpY2VzL1NvYXAvYy81OS4wLzAwRDVlMDAwMDAwQWJDZDwvRW50ZXJwcmlzZVVybD4K",
        "ICAgPFBhcnRuZXJVcmw+aHR0cHM6Ly94Lm15LnNhbGVzZm9yY2UuY29tL3NlcnZpY2VzL1NvYXAvdS81OS4wLzAwRDVlMDAwMDAw",
        "QWJDZDwvUGFydG5lclVybD4KICAgPE5vdGlmaWNhdGlvbj4KICAgIDxJZD4wNGw1ZTAwMDAwQTAwMDFBQUE8L0lkPgogICAgPHNP",
        "YmplY3QgeHNpOnR5cGU9InNmOkNvbnRhY3QiIHhtbG5zOnNmPSJ1cm46c29iamVjdC5lbnRlcnByaXNlLnNvYXAuc2ZvcmNlLmNv",
        "bSI+CiAgICAgPHNmOklkPjAwMzVlMDAwMDBBMDAwMUFBQTwvc2Y6SWQ+CiAgICAgPHNmOkRvTm90Q2FsbD50cnVlPC9zZjpEb05v",
        "dENhbGw+CiAgICAgPHNmOkVtYWlsPk9ORUBleGFtcGxlLmNvbTwvc2Y6RW1haWw+CiAgICAgPHNmOkhhc09wdGVkT3V0T2ZFbWFp",
        "bD5mYWxzZTwvc2Y6SGFzT3B0ZWRPdXRPZkVtYWlsPgogICAgIDxzZjpNb2JpbGVQaG9uZT4rNDQgMjAgNzk0NiAwMDE4PC9zZjpN",
        "b2JpbGVQaG9uZT4KICAgIDwvc09iamVjdD4KICAgPC9Ob3RpZmljYXRpb24+CiAgIDxOb3RpZmljYXRpb24+CiAgICA8SWQ+MDRs",
        "NWUwMDAwMEEwMDAyQUFBPC9JZD4KICAgIDxzT2JqZWN0IHhzaTp0eXBlPSJzZjpDb250YWN0IiB4bWxuczpzZj0idXJuOnNvYmpl",
        "Y3QuZW50ZXJwcmlzZS5zb2FwLnNmb3JjZS5jb20iPgogICAgIDxzZjpJZD4wMDM1ZTAwMDAwQTAwMDJBQUE8L3NmOklkPgogICAg",
        "IDxzZjpEb05vdENhbGw+ZmFsc2U8L3NmOkRvTm90Q2FsbD4KICAgICA8c2Y6RW1haWw+dHdvQGV4YW1wbGUuY29tPC9zZjpFbWFp",
        "bD4KICAgICA8c2Y6SGFzT3B0ZWRPdXRPZkVtYWlsPmZhbHNlPC9zZjpIYXNPcHRlZE91dE9mRW1haWw+CiAgICAgPHNmOkhhc09w",
        "dGVkT3V0T2ZGYXg+dHJ1ZTwvc2Y6SGFzT3B0ZWRPdXRPZkZheD4KICAgIDwvc09iamVjdD4KICAgPC9Ob3RpZmljYXRpb24+CiAg",
        "IDxOb3RpZmljYXRpb24+CiAgICA8SWQ+MDRsNWUwMDAwMEEwMDAzQUFBPC9JZD4KICAgIDxzT2JqZWN0IHhzaTp0eXBlPSJzZjpM",
        "ZWFkIiB4bWxuczpzZj0idXJuOnNvYmplY3QuZW50ZXJwcmlzZS5zb2FwLnNmb3JjZS5jb20iPgogICAgIDxzZjpJZD4wMFE1ZTAw",
        "MDAwQTAwMDNBQUE8L3NmOklkPgogICAgIDxzZjpFbWFpbD50aHJlZUBleGFtcGxlLmNvbTwvc2Y6RW1haWw+CiAgICAgPHNmOlBo",
        "b25lIHhzaTpuaWw9InRydWUiLz4KICAgIDwvc09iamVjdD4KICAgPC9Ob3RpZmljYXRpb24+CiAgPC9ub3RpZmljYXRpb25zPgog",
        "PC9zb2FwZW52OkJvZHk+Cjwvc29hcGVudjpFbnZlbG9wZT4K",
    ]

    static let notUTF8 = WebhookError.badRequest("the body is not valid UTF-8, the only encoding Salesforce sends")

    /// A body of a test case, named for the test's output.
    struct Body: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]
    }

    /// The artifact's body, and smaller ones that crashed the same way: a bad byte in an element name, and one in an
    /// attribute name of an otherwise well-formed envelope.
    static let bodiesThatAreNotUTF8 = [
        Body(testDescription: "FuzzHTTP crash-88f66b81", bytes: crashingBody),
        Body(testDescription: "element name", bytes: [0x3C, 0xF1, 0x61, 0x2F, 0x3E]),
        Body(
            testDescription: "attribute name",
            bytes: Array(#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" "#.utf8)
                + [0xF1] + Array(#"="1"/>"#.utf8)),
    ]

    /// Configured without a token, as the SPEC allows: the body is then the only proof, so anyone could send these.
    private func sender() throws -> SalesforceSender {
        try SalesforceSender(
            name: "salesforce", options: SenderOptions(#"{"organizationIds": ["00D5e000000AbCdEAK"]}"#))
    }

    @Test(arguments: bodiesThatAreNotUTF8)
    func aSalesforceBodyThatIsNotUTF8IsRefusedAs400InsteadOfAbortingTheProcess(_ body: Body) throws {
        let sender = try sender()
        let request = HTTPRequest(
            method: .post, path: "/hooks/salesforce", headers: [.contentType: "text/xml; charset=utf-8"],
            body: body.bytes)

        #expect(throws: Self.notUTF8) { try sender.authenticate(request, now: Date()) }
        #expect(throws: Self.notUTF8) { try sender.decode(request) }
        #expect(sender.respond(.refused(Self.notUTF8)).status == 400)
    }

    @Test func theArtifactIsTheBatchFixtureWithOneByteChangedAndWithItRestoredItIsAccepted() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/salesforce-batch.xml", withExtension: nil))
        let fixture = Array(try Data(contentsOf: url))
        try #require(fixture.count == Self.crashingBody.count)
        let changed = zip(fixture, Self.crashingBody).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(changed.map(\.element.1) == [0xF1])

        // The refusal is about that byte alone: restored, the same message authenticates and decodes.
        var restored = Self.crashingBody
        for (offset, pair) in changed { restored[offset] = pair.0 }
        let sender = try sender()
        let request = HTTPRequest(method: .post, path: "/hooks/salesforce", body: restored)
        try sender.authenticate(request, now: Date())
        #expect(try !sender.decode(request).events.isEmpty)
    }
}
