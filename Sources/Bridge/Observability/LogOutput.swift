import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where log lines go: standard output by default, or a buffer that tests read.
///
/// Each line is written whole by one `write`, and lines written at the same time never interleave. A line of at most
/// `PIPE_BUF` bytes (4 KiB on Linux), which is nearly every line, needs no lock for that: the kernel writes it to a
/// pipe at once and whole (POSIX), and does not interleave it with another `write` to the same file or terminal
/// either (Linux serialises the writes on one open file, and on a terminal). Only a longer line, which a pipe may take
/// in parts between other writers' lines, is written alone: under the exclusive side of a read-write lock whose shared
/// side the short lines take, so that short lines never wait for one another.
///
/// A mutex around every line, as before, had the cooperative pool's threads wait for each other's `write` (spinning
/// first, then sleeping on a futex): with every request writing a line, 0.84 futex calls per opt-out on the pool under
/// full load, against 0.72 without it (`docs/performance.md`).
public final class LogOutput: @unchecked Sendable {
    // @unchecked: `lock` is a pthread read-write lock, safe across threads; `lines` is a Mutex.
    private let fileDescriptor: Int32
    private let capturing: Bool
    private let lines = Mutex<[String]>([])
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    /// The lines longer than this are written under the exclusive lock.
    static let atomicLineLimit = Int(PIPE_BUF)

    /// Lines written to `fileDescriptor`, which stays open for the process's life (it is not closed here).
    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        self.capturing = false
        lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        // A long line waits for the short lines being written, not for every short line still to come.
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
    }

    private init(capturing: Bool) {
        self.fileDescriptor = -1
        self.capturing = capturing
        lock = .allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    public static let standardOutput = LogOutput(fileDescriptor: STDOUT_FILENO)

    /// An output that keeps every line, for tests.
    public static func capturing() -> LogOutput { LogOutput(capturing: true) }

    public var captured: [String] { lines.withLock { $0 } }

    /// Writes one line, its newline included.
    func write(_ line: [UInt8]) {
        if capturing {
            lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            return
        }
        let alone = line.count > Self.atomicLineLimit
        if alone {
            pthread_rwlock_wrlock(lock)
        } else {
            pthread_rwlock_rdlock(lock)
        }
        defer { pthread_rwlock_unlock(lock) }
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                // A closed or full output must not take the service down: the line is dropped.
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
