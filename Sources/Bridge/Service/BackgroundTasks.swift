import Synchronization

/// Chores of the service, periodic or once, cancelled together at shutdown.
final class BackgroundTasks: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    func every(_ period: Duration, immediately: Bool = false, _ work: @escaping @Sendable () async -> Void) {
        let task = Task {
            if immediately { await work() }
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard !Task.isCancelled else { return }
                await work()
            }
        }
        tasks.withLock { $0.append(task) }
    }

    /// Runs `work` once, now, beside the service.
    func run(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        tasks.withLock { $0.append(task) }
    }

    func cancelAll() {
        tasks.withLock { tasks in
            for task in tasks { task.cancel() }
            tasks.removeAll()
        }
    }
}
