import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line (`ts`, `level`, `msg`, then the metadata), or a short
/// text line for people (`LOG_FORMAT=text`).
///
/// Lines are written whole under a lock, so lines of concurrent requests never interleave.
public struct JSONLogHandler: LogHandler {
    public enum Format: Sendable {
        case json
        case text
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format
    private let output: LogOutput

    public init(label: String, level: Logger.Level = .info, format: Format = .json, output: LogOutput = .standardOutput)
    {
        self.label = label
        self.logLevel = level
        self.format = format
        self.output = output
    }

    /// Bootstraps swift-log from `LOG_LEVEL` (default `info`) and `LOG_FORMAT` (`json` or `text`).
    public static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let level = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        let format: Format = environment["LOG_FORMAT"]?.lowercased() == "text" ? .text : .json
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, format: format) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        let timestamp = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let line: String
        switch format {
        case .json:
            var object = "{\"ts\":\(Self.quote(timestamp)),\"level\":\(Self.quote(event.level.rawValue))"
            object += ",\"msg\":\(Self.quote(event.message.description))"
            for key in merged.keys.sorted() {
                object += ",\(Self.quote(key)):\(Self.json(merged[key]!))"
            }
            line = object + "}\n"
        case .text:
            var text = "\(timestamp) \(event.level.rawValue.uppercased()) \(event.message)"
            for key in merged.keys.sorted() {
                text += " \(key)=\(merged[key]!)"
            }
            line = text + "\n"
        }
        output.write(line)
    }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): quote(string)
        case .stringConvertible(let convertible): quote(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            "{" + dictionary.keys.sorted().map { "\(quote($0)):\(json(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal, with every control character escaped.
    static func quote(_ string: String) -> String {
        var out = "\""
        out.reserveCapacity(string.utf8.count + 2)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Where log lines go: standard output by default, or a buffer that tests read.
public final class LogOutput: Sendable {
    private let capturing: Bool
    private let lines = Mutex<[String]>([])
    private let lock = Mutex(())

    private init(capturing: Bool) {
        self.capturing = capturing
    }

    public static let standardOutput = LogOutput(capturing: false)

    /// An output that keeps every line, for tests.
    public static func capturing() -> LogOutput { LogOutput(capturing: true) }

    public var captured: [String] { lines.withLock { $0 } }

    func write(_ line: String) {
        if capturing {
            lines.withLock { $0.append(line) }
            return
        }
        lock.withLock { _ in
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
