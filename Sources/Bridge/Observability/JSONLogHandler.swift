import Foundation
import JSON
import Logging
import OptOutCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
        let timestamp = Timestamp.iso8601(Date())
        var line: [UInt8]
        switch format {
        case .json:
            var json = JSONWriter(capacity: 256)
            json.object { json in
                json.member("ts", timestamp)
                json.member("level", event.level.rawValue)
                json.member("msg", event.message.description)
                for key in merged.keys.sorted() {
                    json.key(key)
                    Self.write(merged[key]!, to: &json)
                }
            }
            line = json.bytes
        case .text:
            var text = "\(timestamp) \(event.level.rawValue.uppercased()) \(event.message)"
            for key in merged.keys.sorted() {
                text += " \(key)=\(merged[key]!)"
            }
            line = Array(text.utf8)
        }
        line.append(UInt8(ascii: "\n"))
        output.write(line)
    }

    private static func write(_ value: Logger.Metadata.Value, to json: inout JSONWriter) {
        switch value {
        case .string(let string): json.string(string)
        case .stringConvertible(let convertible): json.string(convertible.description)
        case .array(let values):
            json.array { json in
                for value in values { write(value, to: &json) }
            }
        case .dictionary(let dictionary):
            json.object { json in
                for key in dictionary.keys.sorted() {
                    json.key(key)
                    write(dictionary[key]!, to: &json)
                }
            }
        }
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

    func write(_ line: [UInt8]) {
        if capturing {
            lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
            return
        }
        lock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0, errno == EINTR { continue }
                    // A closed or full output must not take the service down: the line is dropped.
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }
}
