#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thread that runs one closure, and whose result ``join()`` waits for.
///
/// For CPU-bound work that must not run on Swift's cooperative pool, and whose inputs (such as a buffer the caller
/// frees afterwards) must outlive it: the caller joins it, so it cannot be left running. If the system refuses a
/// new thread, ``join()`` runs the closure itself.
final class JoinableThread<Result>: @unchecked Sendable {
    // Written by the thread, read after `pthread_join`, which orders the two.
    private var body: (() -> Result)?
    private var result: Result?
    private var thread: pthread_t?

    /// Starts `body` on a new thread.
    init(_ body: @escaping () -> Result) {
        self.body = body
        var thread = pthread_t()
        // The thread holds `self` until its closure ends.
        let context = Unmanaged.passRetained(ThreadContext { self.run() })
        if pthread_create(&thread, nil, threadEntry, context.toOpaque()) == 0 {
            self.thread = thread
        } else {
            context.release()
        }
    }

    private func run() {
        result = body?()
        body = nil
    }

    /// Waits for the closure to end and hands its result over: call it once. The thread keeps no reference to the
    /// result, so memory it holds is freed as soon as the caller is done with it.
    func join() -> Result {
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        if body != nil {
            run()
        }
        defer { result = nil }
        return result!
    }

    deinit {
        // Not joined: let the system reclaim the thread when it ends. It may be this one, dropping the last reference.
        if let thread {
            pthread_detach(thread)
        }
    }
}

private final class ThreadContext {
    let run: () -> Void

    init(run: @escaping () -> Void) {
        self.run = run
    }
}

private func threadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let context = Unmanaged<ThreadContext>.fromOpaque(context!).takeRetainedValue()
    context.run()
    return nil
}
