import Foundation
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
        var line: [UInt8] = []
        line.reserveCapacity(256)
        switch format {
        case .json:
            line += Array(#"{"ts":""#.utf8)
            line += timestamp.utf8
            line += Array(#"","level":""#.utf8)
            line += event.level.rawValue.utf8
            line += Array(#"","msg":"#.utf8)
            Self.appendQuoted(event.message.description, to: &line)
            for key in merged.keys.sorted() {
                line.append(UInt8(ascii: ","))
                Self.appendQuoted(key, to: &line)
                line.append(UInt8(ascii: ":"))
                Self.appendJSON(merged[key]!, to: &line)
            }
            line.append(UInt8(ascii: "}"))
        case .text:
            var text = "\(timestamp) \(event.level.rawValue.uppercased()) \(event.message)"
            for key in merged.keys.sorted() {
                text += " \(key)=\(merged[key]!)"
            }
            line += text.utf8
        }
        line.append(UInt8(ascii: "\n"))
        output.write(line)
    }

    private static func appendJSON(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let string): appendQuoted(string, to: &out)
        case .stringConvertible(let convertible): appendQuoted(convertible.description, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendJSON(value, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendJSON(dictionary[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `string` as a JSON string literal, with every control character escaped. Bytes of multi-byte
    /// characters are copied as they are: the text is valid UTF-8, and none of its continuation bytes can be mistaken
    /// for a quote or a control character.
    private static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                out += Array(#"\u00"#.utf8)
                out += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
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
