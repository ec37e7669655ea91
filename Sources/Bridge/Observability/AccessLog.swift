import Logging

/// The line each answered request leaves in the log: `request`, at `info` (`warning` for a 5xx), with its
/// `duration_ms`, `method`, `path`, `request_id` and `status`.
///
/// Every request writes one, so with the service's own handler (``JSONLogHandler`` writing JSON, with no metadata of
/// its own) it is written straight from its fields: the bytes `Logger.log` would write, without the metadata
/// dictionaries that it builds, merges and sorts for each line. Any other logger gets the line through `Logger.log`.
/// The level is the logger's when the log is made: the service never changes it afterwards.
struct AccessLog: Sendable {
    private let logger: Logger
    /// The handler that writes the line directly, when the logger has one.
    private let direct: JSONLogHandler?

    /// Whether the line is written straight from its fields.
    var writesDirectly: Bool { direct != nil }

    init(logger: Logger) {
        self.logger = logger
        direct = (logger.handler as? JSONLogHandler).flatMap { $0.writesFieldsDirectly ? $0 : nil }
    }

    func record(method: String, path: String, status: Int, requestId: String, duration: Duration) {
        let level: Logger.Level = status >= 500 ? .warning : .info
        guard logger.logLevel <= level else { return }
        // Sorted by key, as `Logger.log` writes them.
        let fields: KeyValuePairs = [
            "duration_ms": Self.milliseconds(duration), "method": method, "path": path, "request_id": requestId,
            "status": String(status),
        ]
        guard let direct else {
            logger.log(
                level: level, "request",
                metadata: Logger.Metadata(uniqueKeysWithValues: fields.map { ($0.key, .string($0.value)) }))
            return
        }
        direct.log(level: level, message: "request", sortedFields: fields)
    }

    /// A duration in milliseconds with one decimal, such as `2.4`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10_000 + attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
