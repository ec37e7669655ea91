import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A small tmpfs of its own, so a test can fill a real disk. Needs root (CI and the sessions here run as root).
struct Tmpfs {
    let directory: URL

    static let isAvailable: Bool = {
        guard getuid() == 0, let probe = try? Tmpfs(kilobytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    init(kilobytes: Int) throws {
        directory = try makeTemporaryDirectory("tmpfs")
        let status = Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", directory.path])
        guard status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    /// Writes zeros into `filler` until the file system is full.
    func fill() {
        _ = Self.run(["/bin/dd", "if=/dev/zero", "of=\(directory.path)/filler", "bs=4k"])
    }

    func unmount() {
        _ = Self.run(["/bin/umount", "-l", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    static func run(_ arguments: [String]) -> Int32 {
        (try? ExternalTool.run(executable: arguments[0], Array(arguments.dropFirst())))?.status ?? -1
    }
}

@Suite struct JournalFailureEndToEndTests {
    /// A full disk under the journal: 503 with Retry-After and nothing acknowledged; once space is back, 200.
    @Test(.enabled(if: Tmpfs.isAvailable, "needs root to mount a tmpfs"))
    func aFullDiskAnswers503AndRecoversWhenSpaceIsBack() async throws {
        let disk = try Tmpfs(kilobytes: 2048)
        defer { disk.unmount() }
        let bridge = try await BridgeHarness(
            overrides: ["journal": ["file": disk.directory.appendingPathComponent("journal.sqlite").path]])
        #expect(try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#).status == 200)

        disk.fill()
        // Space the WAL already holds can still take a commit or two (the background checkpoint lets the WAL start
        // over): keep sending until the disk says no.
        var accepted = 0
        var refusedBody: String?
        for index in 0..<50 {
            let body =
                #"{"keys": ["email:john@example.com"], "idempotencyKey": "full-\#(index)-"#
                + String(repeating: "x", count: 150) + #""}"#
            let response = try await bridge.optOut(body)
            if response.status == 503 {
                #expect(response.header("Retry-After") != nil)
                #expect(response.header("Content-Type") == "application/problem+json")
                refusedBody = body
                break
            }
            #expect(response.status == 200)
            accepted += 1
        }
        let refused = try #require(refusedBody)
        if accepted == 0 {
            #expect(bridge.fake.deletedLeads[examplePearl]?.contains("lead-john-1") != true)
        }

        try FileManager.default.removeItem(at: disk.directory.appendingPathComponent("filler"))
        try await waitUntil {
            try await bridge.optOut(#"{"keys": ["email:john@example.com"], "idempotencyKey": "after"}"#).status
                == 200
        }
        // Nothing of the refused opt-out was kept: sent again with its key, it is new, not a duplicate.
        let again = try await bridge.optOut(refused)
        #expect(again.status == 200)
        #expect((again.json as? [String: Any])?["duplicate"] == nil)
        await bridge.stop()
    }
}
