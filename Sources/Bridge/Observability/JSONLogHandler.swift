import Foundation
import JSON
import Logging
import OptOutCore

/// A swift-log handler that writes one JSON object per line (`ts`, `level`, `msg`, then the metadata), or a short
/// text line for people (`LOG_FORMAT=text`).
///
/// Each line is written whole by one `write` (``LogOutput``), so lines of concurrent requests never interleave.
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
            line = Self.jsonLine(timestamp: timestamp, level: event.level, message: event.message.description) { json in
                for key in merged.keys.sorted() {
                    json.key(key)
                    Self.write(merged[key]!, to: &json)
                }
            }
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

    /// Whether ``log(level:message:sortedFields:)`` writes what `log` would: JSON, and no metadata of the handler's
    /// own to merge with the line's.
    var writesFieldsDirectly: Bool { format == .json && metadata.isEmpty }

    /// Writes a line whose metadata are these text fields, sorted by key: the bytes that `log` writes for the same
    /// metadata, without the dictionaries it merges and sorts. For a line that every request writes; only where
    /// ``writesFieldsDirectly`` holds, and the caller checks the level.
    func log(level: Logger.Level, message: String, sortedFields: KeyValuePairs<String, String>) {
        var line = Self.jsonLine(timestamp: Timestamp.iso8601(Date()), level: level, message: message) { json in
            for (key, value) in sortedFields {
                json.member(key, value)
            }
        }
        line.append(UInt8(ascii: "\n"))
        output.write(line)
    }

    /// A JSON line's object: `ts`, `level` and `msg`, then the members `fields` writes.
    private static func jsonLine(
        timestamp: String, level: Logger.Level, message: String, fields: (inout JSONWriter) -> Void
    ) -> [UInt8] {
        var json = JSONWriter(capacity: 256)
        json.object { json in
            json.member("ts", timestamp)
            json.member("level", level.rawValue)
            json.member("msg", message)
            fields(&json)
        }
        return json.bytes
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
