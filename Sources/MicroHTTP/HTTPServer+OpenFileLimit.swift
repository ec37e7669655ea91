#if canImport(Glibc)
    import Glibc
#endif

extension HTTPServer {
    /// Descriptors a process needs besides its connections: listening socket, epoll and wake-up descriptors of each
    /// thread, database and log files, outgoing connections.
    static let descriptorHeadroom = 256

    /// Raises the soft limit on open files to `needed`, or to the hard limit if that is lower.
    ///
    /// Services often start with a soft limit of 1024, which would cap connections far below
    /// ``Configuration/connectionLimit``: past it `accept` fails with `EMFILE` and clients wait in the backlog. Only
    /// the soft limit moves, as any process may do; the limit is never lowered.
    ///
    /// - Returns: the soft limit in effect afterwards, or nil when it cannot be read.
    @discardableResult
    static func raiseOpenFileLimit(toAtLeast needed: Int) -> Int? {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let unlimited = rlim_t.max  // RLIM_INFINITY, a macro Swift does not import
        let wanted = rlim_t(clamping: needed)
        if limit.rlim_cur == unlimited || limit.rlim_cur >= wanted {
            return Int(clamping: limit.rlim_cur)
        }
        var raised = limit
        raised.rlim_cur = limit.rlim_max == unlimited ? wanted : min(wanted, limit.rlim_max)
        guard setrlimit(resource, &raised) == 0 else { return Int(clamping: limit.rlim_cur) }
        return Int(clamping: raised.rlim_cur)
    }
}
