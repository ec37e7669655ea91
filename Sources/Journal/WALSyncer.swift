import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Makes committed transactions durable by fsyncing the WAL file, off the writer's thread.
///
/// The writer commits with `synchronous=NORMAL`: COMMIT writes the transaction's frames to the WAL and returns
/// without waiting for the disk. Whoever must only hear of success once the transaction is durable hands a waiter to
/// ``afterNextSync(_:)``. One loop on a queue of its own takes every waiter handed over so far, runs `fdatasync` on
/// the WAL, and then calls them. A waiter is therefore only called after an fsync that began after its COMMIT had
/// returned, which is what `synchronous=FULL` promised, while the writer goes on committing the next group during
/// the fsync instead of waiting for it.
///
/// Why this is as safe as FULL:
/// - every frame written to the WAL before the `fdatasync` call is on disk when it returns, whatever connection
///   wrote it, because the fsync is of the file, not of a descriptor;
/// - SQLite's checkpoints still fsync the WAL before copying it into the database, and the database after;
/// - the WAL header is only rewritten when the WAL starts over, after a checkpoint copied and synced everything.
///
/// After one failed fsync, every later one fails too: the kernel may have dropped the pages it could not write and
/// report the next fsync clean, so nothing written after that can be called durable. The journal answers
/// unavailable from then on, `/readyz` fails, and a restart recovers from what the disk really holds.
final class WALSyncer: Sendable {
    typealias Waiter = @Sendable (JournalError?) -> Void

    private struct State {
        var syncs = 0
        var failure: JournalError?
    }

    private let waiting = GroupQueue<Waiter>()
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "Journal.sync")
    private let sync: @Sendable () throws(JournalError) -> Void

    /// A syncer of the WAL beside the database at `databasePath`.
    convenience init(databasePath: String) {
        let file = SyncedFile(path: databasePath + "-wal")
        self.init { () throws(JournalError) in try file.sync() }
    }

    /// A syncer that calls `sync` to make what was committed durable; tests pass one that they can hold.
    init(sync: @escaping @Sendable () throws(JournalError) -> Void) {
        self.sync = sync
    }

    /// How many fsyncs ran.
    var syncCount: Int { state.withLock { $0.syncs } }

    /// Why the fsyncs fail from now on, once one has failed.
    var failure: JournalError? { state.withLock { $0.failure } }

    /// Calls `waiter` once an fsync that starts after this call has finished: with nil, or with the error that
    /// keeps what was committed from being called durable.
    func afterNextSync(_ waiter: @escaping Waiter) {
        if waiting.add(waiter) {
            queue.async { self.drain() }
        }
    }

    private func drain() {
        while true {
            let waiters = waiting.takeAll()
            if waiters.isEmpty { return }
            var error = state.withLock { $0.failure }
            if error == nil {
                do throws(JournalError) {
                    try sync()
                } catch let failed {
                    error = failed
                }
                state.withLock {
                    $0.syncs += 1
                    $0.failure = error
                }
            }
            for waiter in waiters { waiter(error) }
        }
    }
}

/// The WAL file, opened once and kept open, as SQLite keeps its own descriptor of it.
private final class SyncedFile: Sendable {
    private let path: String
    private let descriptor = Mutex<Int32>(-1)

    init(path: String) {
        self.path = path
    }

    deinit {
        let fd = descriptor.withLock { $0 }
        if fd >= 0 { close(fd) }
    }

    func sync() throws(JournalError) {
        let fd = descriptor.withLock { fd -> Int32 in
            if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
            return fd
        }
        guard fd >= 0 else { throw failure("cannot open \(path) to fsync it") }
        while fdatasync(fd) != 0 {
            guard errno == EINTR else { throw failure("fsync of \(path) failed") }
        }
    }

    private func failure(_ what: String) -> JournalError {
        let reason = String(cString: strerror(errno))
        return JournalError(
            code: .unavailable,
            message: "the write was committed but may not be on disk: \(what): \(reason); restart the bridge")
    }
}
