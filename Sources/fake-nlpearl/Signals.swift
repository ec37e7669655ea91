import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waits for SIGINT or SIGTERM with Dispatch signal sources, so that stopping is a normal return.
enum Signals {
    /// Returns the name of the first termination signal received.
    static func waitForTermination() async -> String {
        let (names, continuation) = AsyncStream<String>.makeStream()
        let queue = DispatchQueue(label: "fake-nlpearl.signals")
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            // The default action would end the process before the server stops cleanly.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        var iterator = names.makeAsyncIterator()
        let received = await iterator.next() ?? "end of signals"
        for source in sources { source.cancel() }
        return received
    }
}
