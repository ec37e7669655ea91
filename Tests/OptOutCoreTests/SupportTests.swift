import Foundation
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

    @Test("files are read whole, with the system's reason on failure")
    func files() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("data.bin")
        let content = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: file)
        #expect(try FileContents.read(path: file.path) == content)
        #expect(try FileContents.read(path: "/proc/self/status").count > 0)

        #expect {
            try FileContents.read(path: directory.appendingPathComponent("missing").path)
        } throws: { error in
            (error as? FileReadError)?.reason == "No such file or directory"
        }
        #expect {
            try FileContents.read(path: directory.path)
        } throws: { error in
            (error as? FileReadError)?.reason == "it is a directory"
        }
        #expect(throws: FileReadError.self) { try FileContents.read(path: file.path, maximumSize: 100) }
    }
}
