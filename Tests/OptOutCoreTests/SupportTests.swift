import Foundation
import JSON
import OptOutCore
import Testing

@Suite("Diagnostics, secrets, suggestions and files")
struct SupportTests {
    @Test("diagnostics print like compilers")
    func diagnostics() {
        let located = Diagnostic.error("bad", file: "m.json", at: SourcePosition(line: 3, column: 7))
        #expect(located.description == "m.json:3:7: bad")
        #expect(located.severity == .error)
        let unlocated = Diagnostic.warning("meh", file: "m.json", at: nil)
        #expect(unlocated.description == "m.json: meh")
        #expect(unlocated.severity == .warning)
        #expect(SourcePosition(line: 1, column: 9) < SourcePosition(line: 2, column: 1))
    }

    @Test("a secret never shows in text")
    func secret() {
        let secret = Secret("acct:s3cr3t")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump([secret], to: &dumped)
        #expect(!dumped.contains("s3cr3t"))
        #expect(dumped.contains("<redacted>"))
        #expect(secret.reveal() == "acct:s3cr3t")
        #expect(secret.matches("acct:s3cr3t"))
        #expect(!secret.matches("acct:s3cr3"))
        #expect(!secret.matches("acct:s3cr3t!"))
        #expect(!secret.matches("acct:s3cr3T"))
        #expect(secret == Secret("acct:s3cr3t"))
        #expect(secret != Secret("other"))
    }

    @Test(
        "close misspellings get a suggestion, unrelated names none",
        arguments: [
            ("prot", "port"), ("Port", "port"), ("hots", "host"), ("maxBodyByte", "maxBodyBytes"),
            ("conections", "connections"), ("zzzz", nil), ("x", nil),
        ] as [(String, String?)])
    func suggestion(name: String, expected: String?) {
        let candidates = ["port", "host", "maxBodyBytes", "connections"]
        #expect(Suggestion.closest(to: name, among: candidates) == expected)
    }
}
