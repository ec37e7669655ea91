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

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The executable named `name` on `PATH`, or nil.
    public static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+) and `..._addchdir_np` (2.29+), which Swift's Glibc
    /// module does not declare; looked up once.
    private static let closeFrom: CloseFrom = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return { _, _ in ENOSYS } }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
    private static let changeDirectory: ChangeDirectory = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return { _, _ in ENOSYS } }
        return unsafeBitCast(symbol, to: ChangeDirectory.self)
    }()

    /// Runs `name` with `arguments` and waits for it to exit.
    ///
    /// Started with `posix_spawn` rather than Foundation's `Process`, whose `run()` has crashed here when tests
    /// started tools from several threads while others opened and closed sockets. The child gets no descriptor of
    /// the test process beyond its three standard ones, so it cannot hold a test's socket open.
    ///
    /// - Throws: ``Failure`` when the tool is not on `PATH` or cannot be started; a non-zero exit is not an error.
    public static func run(_ name: String, _ arguments: [String], directory: URL? = nil) throws -> Result {
        guard let executable = find(name) else {
            throw Failure(description: "\(name) is not installed (not found on PATH)")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout").path
        let errPath = scratch.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = closeFrom(&actions, 3)
        if let directory {
            guard changeDirectory(&actions, directory.path) == 0 else {
                throw Failure(description: "cannot run \(name) in \(directory.path)")
            }
        }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(name): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid for \(name) failed: errno \(errno)") }
        }
        // WIFEXITED/WEXITSTATUS are macros Swift cannot call: the low 7 bits are the signal, 0 for a normal exit.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(
            status: exitStatus,
            stdout: [UInt8](try Data(contentsOf: URL(fileURLWithPath: outPath))),
            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
    }
}
