import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `optout-bridge` executable built next to the test bundle, run as a user would run it.
enum BridgeExecutable {
    static var url: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("optout-bridge")
    }

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a command to completion, with this process's environment plus `environment`, less `removing`.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], removing: Set<String> = [],
        directory: URL? = nil
    ) async throws -> Result {
        try await runProgram(url.path, arguments, environment: environment, removing: removing, directory: directory)
    }

    /// Runs any program to completion, as ``run(_:environment:removing:directory:)`` runs the bridge.
    static func runProgram(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        removing: Set<String> = [], directory: URL? = nil
    ) async throws -> Result {
        let environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            .filter { !removing.contains($0.key) }
        let result = try await blocking {
            try ExternalTool.run(executable: executable, arguments, environment: environment, directory: directory)
        }
        return Result(status: result.status, stdout: result.text, stderr: result.stderr)
    }
}

/// `optout-bridge serve` in a child process; its port is read from the "listening" log line.
final class ServeProcess: Sendable {
    private let child: ChildProcess
    private let scratch: URL
    private let logPath: String
    private let listeningPort = Mutex(0)

    /// Starts `serve`; ``waitUntilListening(timeout:)`` then reads its port.
    ///
    /// - Parameter softOpenFileLimit: when set, `serve` starts from `/bin/sh` with this soft limit on open files, as an
    ///   operator's shell might give it.
    init(
        configuration: URL, environment: [String: String] = [:], arguments: [String] = [],
        softOpenFileLimit: Int? = nil
    ) throws {
        let serve = ["serve", "--config", configuration.path] + arguments
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        logPath = scratch.appendingPathComponent("output").path
        let (executable, argv) =
            softOpenFileLimit.map { limit in
                (
                    "/bin/sh",
                    ["-c", "ulimit -S -n \(limit) && exec \"$0\" \"$@\"", BridgeExecutable.url.path] + serve
                )
            } ?? (BridgeExecutable.url.path, serve)
        child = try ChildProcess(
            executable: executable, arguments: argv,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            stdoutPath: logPath, stderrPath: logPath)
    }

    /// The port from the "listening" line, once ``waitUntilListening(timeout:)`` has seen it.
    var port: Int { listeningPort.withLock { $0 } }

    /// Waits for the "listening" line and reads the port from it.
    func waitUntilListening(timeout: Duration = atOnce) async throws {
        try await waitUntil(timeout: timeout) {
            if let found = self.log.lazy.compactMap(Self.listeningPort).first {
                self.listeningPort.withLock { $0 = found }
                return true
            }
            return !self.child.isRunning
        }
        #expect(port > 0, "serve did not start: \(log.joined(separator: "\n"))")
    }

    /// A test that fails before it stops its server must not leave the child running (``ChildProcess`` kills it).
    deinit {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// What the child wrote to standard output and error so far, line by line.
    var log: [String] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    var isRunning: Bool { child.isRunning }

    func signal(_ number: Int32) {
        child.signal(number)
    }

    /// The soft "Max open files" of the running process, from `/proc/PID/limits`.
    func openFileSoftLimit() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(child.pid)/limits", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Int($0) }
    }

    /// Waits for the process to exit; nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while child.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return child.terminationStatus
    }

    func killHard() {
        child.signal(SIGKILL)
        _ = child.waitUntilExit()
    }

    private static func listeningPort(_ line: String) -> Int? {
        guard line.contains("optout-bridge listening"),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return nil }
        return Int(object["port"] as? String ?? "")
    }
}
