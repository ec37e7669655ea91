import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`, its standard output and error going to files.
///
/// Not Foundation's `Process`: its `run()` has crashed the whole test process here (a bad memmove inside it), even
/// with launches serialized, most often in the first test run after a build. Files rather than pipes: a child that
/// writes much cannot block on a full pipe, and nothing has to read while the test waits. The child gets no
/// descriptor of the test process beyond its three standard ones, so it cannot hold a test's socket open.
public final class ChildProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The child's process id.
    public let pid: pid_t
    /// The exit status once reaped: the exit code, or 128 + the signal that ended it.
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`, in `directory` when given. Standard input is
    /// `/dev/null`; standard output goes to `stdoutPath`, standard error to `stderrPath` (the same file when equal).
    public init(
        executable: String, arguments: [String], environment: [String: String], directory: URL? = nil,
        stdoutPath: String, stderrPath: String
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        if stderrPath == stdoutPath {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        _ = Self.closeFrom(&actions, 3)
        if let directory {
            guard Self.changeDirectory(&actions, directory.path) == 0 else {
                throw Failure(description: "cannot run \(executable) in \(directory.path)")
            }
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for string in argv + envp { free(string) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
    }

    /// A test that fails before its child exits must not leave the child running.
    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitUntilExit()
        }
    }

    /// Whether the child has not exited yet; reaps it when it has.
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit status, once the child has exited.
    public var terminationStatus: Int32? { reap(blocking: false) }

    /// Blocks the calling thread until the child exits: call it inside ``blocking(_:)``.
    public func waitUntilExit() -> Int32 {
        reap(blocking: true) ?? -1
    }

    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    private func reap(blocking: Bool) -> Int32? {
        exitStatus.withLock { exitStatus in
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            while true {
                let reaped = waitpid(pid, &status, blocking ? 0 : WNOHANG)
                if reaped == -1, errno == EINTR { continue }
                guard reaped == pid else { return nil }
                break
            }
            // WIFEXITED/WEXITSTATUS are macros Swift cannot call: the low 7 bits are the signal, 0 for a normal exit.
            exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return exitStatus
        }
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
}
