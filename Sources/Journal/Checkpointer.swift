import Dispatch
import GRDB
import Synchronization

/// Copies the WAL into the database file in the background, so that the writer seldom has to.
///
/// SQLite checkpoints on the writer by default: the commit that takes the WAL past `wal_autocheckpoint` pages also
/// copies them into the database and fsyncs it, a few milliseconds during which every append and outcome queued
/// behind that commit waits. At 1,000 opt-outs/s that happened several times a second and made most answers slower
/// than 5 ms.
///
/// This runs a PASSIVE checkpoint on a connection and a queue of its own, every `interval` after the writer
/// committed something. PASSIVE never blocks the writer. Once it has copied every frame, the writer starts the WAL
/// over at its next transaction, so the WAL stays small. Under a load that leaves the writer no pause, the WAL grows
/// until the writer's own checkpoint, kept as a backstop at ``Checkpointer/backstopPages``, takes over.
final class Checkpointer: Sendable {
    /// The writer's `wal_autocheckpoint`: 16 MiB of WAL with 4 KiB pages.
    static let backstopPages = 4000

    /// What the last checkpoint reported.
    struct Result: Sendable, Equatable {
        /// Frames in the WAL.
        var walFrames = 0
        /// Of those, the frames copied into the database.
        var checkpointedFrames = 0
    }

    private struct State {
        var seenTransactions = -1
        var checkpoints = 0
        var last = Result()
        var connection: DatabaseQueue?
    }

    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "Journal.checkpoint")
    private let timer: TimerHandle

    /// Starts checkpointing the database at `path` every `interval` in which `transactions()` changed.
    init(
        path: String, configuration: Configuration, interval: Duration,
        transactions: @escaping @Sendable () -> Int
    ) throws {
        state = Mutex(State(connection: try DatabaseQueue(path: path, configuration: configuration)))
        timer = TimerHandle(DispatchSource.makeTimerSource(queue: queue))
        let milliseconds = Int(interval / .milliseconds(1))
        timer.source.schedule(deadline: .now() + .milliseconds(milliseconds), repeating: .milliseconds(milliseconds))
        timer.source.setEventHandler { [weak self] in self?.checkpoint(transactions()) }
        timer.source.resume()
    }

    deinit {
        timer.source.cancel()
    }

    /// How many checkpoints ran, and what the last one reported.
    var statistics: (checkpoints: Int, last: Result) {
        state.withLock { ($0.checkpoints, $0.last) }
    }

    /// Stops the timer and closes the connection, waiting for a checkpoint that is running.
    func stop() {
        timer.source.cancel()
        queue.sync {
            let connection = state.withLock { state in
                defer { state.connection = nil }
                return state.connection
            }
            try? connection?.close()
        }
    }

    private func checkpoint(_ transactions: Int) {
        let connection = state.withLock { state -> DatabaseQueue? in
            guard state.seenTransactions != transactions else { return nil }
            state.seenTransactions = transactions
            return state.connection
        }
        // A failure (the writer restarting the WAL at that moment, a full disk) is left to the next turn and, at
        // worst, to the writer's own checkpoint.
        guard let connection,
            let row = try? connection.writeWithoutTransaction({ db in
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            })
        else { return }
        let result = Result(walFrames: row[1] ?? 0, checkpointedFrames: row[2] ?? 0)
        state.withLock {
            $0.checkpoints += 1
            $0.last = result
        }
    }
}

/// A dispatch timer, whose methods are thread-safe but which the SDK does not mark `Sendable`.
private struct TimerHandle: @unchecked Sendable {
    let source: any DispatchSourceTimer

    init(_ source: any DispatchSourceTimer) {
        self.source = source
    }
}
