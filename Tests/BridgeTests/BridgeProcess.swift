import Foundation
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

    /// Runs a command to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) async throws
        -> Result
    {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runSerialized()
        let (stdout, stderr) = try await blocking {
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// `optout-bridge serve` in a child process; its port is read from the "listening" log line.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lines = LineCollector()
    private(set) var port = 0

    /// - Parameter softOpenFileLimit: when set, `serve` starts from `/bin/sh` with this soft limit on open files, as an
    ///   operator's shell might give it.
    init(
        configuration: URL, environment: [String: String] = [:], arguments: [String] = [],
        softOpenFileLimit: Int? = nil
    ) throws {
        let serve = ["serve", "--config", configuration.path] + arguments
        if let softOpenFileLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "ulimit -S -n \(softOpenFileLimit) && exec \"$0\" \"$@\"", BridgeExecutable.url.path] + serve
        } else {
            process.executableURL = BridgeExecutable.url
            process.arguments = serve
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        try process.runSerialized()
        lines.read(until: output)
    }

    /// A test that fails before it stops its server must not leave the child running.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the "listening" line and reads the port from it.
    func waitUntilListening(timeout: Duration = .seconds(20)) async throws {
        try await waitUntil(timeout: timeout) {
            if let line = lines.all.first(where: { $0.contains("optout-bridge listening") }),
                let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let port = Int(object["port"] as? String ?? "")
            {
                self.port = port
                return true
            }
            return !process.isRunning
        }
        #expect(port > 0, "serve did not start: \(lines.all.joined(separator: "\n"))")
    }

    var log: [String] { lines.all }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// The soft "Max open files" of the running process, from `/proc/PID/limits`.
    func openFileSoftLimit() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Int($0) }
    }

    /// Waits for the process to exit; nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    func killHard() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Collects a child's output into lines, from a pipe's reader thread.
///
/// A thread doing blocking reads, not `readabilityHandler`: that handler is a dispatch read source, and when the
/// `Pipe` was released with the source still registered, libdispatch's manager thread crashed the whole test
/// process (SIGSEGV in `_dispatch_event_loop_drain`). The thread holds the pipe until the child's end closes.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    private var lines: [String] = []

    func read(until pipe: Pipe) {
        let thread = Thread { [self] in
            let descriptor = pipe.fileHandleForReading.fileDescriptor
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    append(Data(chunk[..<count]))
                } else if count == 0 || errno != EINTR {
                    return
                }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
            buffer.removeSubrange(buffer.startIndex...newline)
        }
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
