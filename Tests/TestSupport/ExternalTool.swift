import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A command-line tool such as `openssl` or `curl`, run to completion by a test.
///
/// Output goes to temporary files rather than pipes, so a tool that writes much to both streams cannot block on a
/// full pipe while the test waits for it. Running blocks the calling thread: call it inside ``blocking(_:)``.
public enum ExternalTool {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String

        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    public typealias Failure = ChildProcess.Failure

    /// The executable named `name` on `PATH`, or nil.
    public static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `name` with `arguments` and waits for it to exit.
    ///
    /// - Throws: ``Failure`` when the tool is not on `PATH` or cannot be started; a non-zero exit is not an error.
    public static func run(_ name: String, _ arguments: [String], directory: URL? = nil) throws -> Result {
        guard let executable = find(name) else {
            throw Failure(description: "\(name) is not installed (not found on PATH)")
        }
        return try run(executable: executable.path, arguments, directory: directory)
    }

    /// Runs the program at `executable` with `arguments` and `environment` (this process's by default) and waits for
    /// it to exit. A ``ChildProcess``, so not Foundation's `Process`.
    ///
    /// - Throws: ``Failure`` when it cannot be started; a non-zero exit is not an error.
    public static func run(
        executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil
    ) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout").path
        let errPath = scratch.appendingPathComponent("stderr").path
        let child = try ChildProcess(
            executable: executable, arguments: arguments,
            environment: environment ?? ProcessInfo.processInfo.environment, directory: directory,
            stdoutPath: outPath, stderrPath: errPath)
        let status = child.waitUntilExit()
        return Result(
            status: status,
            stdout: [UInt8](try Data(contentsOf: URL(fileURLWithPath: outPath))),
            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
    }
}
