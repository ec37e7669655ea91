import ContactMapping
import Foundation
import Testing

@Suite("Files read whole")
struct FileContentsTests {
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
