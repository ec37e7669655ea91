import Config
import Foundation
import JSON
import OptOutCore

/// A sender's configuration entry, read key by key, with every problem reported at its place in the file.
///
/// Secrets may be `"env:NAME"` or `"file:PATH"` references, resolved here. Keys that the type never reads are
/// reported by ``unusedKeys()`` so that a typo cannot silently disable a check.
public final class SenderOptions {
    /// The keys every sender has, read by the configuration itself.
    public static let commonKeys: Set<String> = ["name", "type"]

    public let file: String
    /// `mapping.defaultCountryCode`, for phone numbers that senders send without a `+`.
    public let defaultCountryCode: String?
    private let object: [JSONMember]
    private let position: SourcePosition
    private let environment: [String: String]
    private let baseDirectory: String
    private var read: Set<String> = SenderOptions.commonKeys
    public private(set) var diagnostics: [Diagnostic] = []

    /// - Parameters:
    ///   - object: the sender's JSON object from the configuration.
    ///   - file: the configuration file, for diagnostics.
    ///   - baseDirectory: where relative `file:` paths start (the configuration file's folder).
    public init(
        object: JSONValue, file: String = "optout-bridge.json", environment: [String: String] = [:],
        baseDirectory: String = ".", defaultCountryCode: String? = nil
    ) {
        self.defaultCountryCode = defaultCountryCode
        self.object = object.asObject ?? []
        self.position = object.position
        self.file = file
        self.environment = environment
        self.baseDirectory = baseDirectory
    }

    /// Options built in code (tests, `sign`): a JSON object literal.
    public convenience init(_ json: String, environment: [String: String] = [:], defaultCountryCode: String? = nil) {
        let value = (try? JSONParser.parse(json)) ?? JSONValue(.object([]))
        self.init(object: value, environment: environment, defaultCountryCode: defaultCountryCode)
    }

    public func value(_ key: String) -> JSONValue? {
        read.insert(key)
        return object.last { $0.key == key }?.value
    }

    /// A string; `nil` when absent (and an error when `required`).
    public func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key) else {
            if required { error("missing required key '\(key)'", at: position) }
            return nil
        }
        guard let text = value.asString, !text.isEmpty else {
            error("'\(key)' must be a non-empty string", at: value.position)
            return nil
        }
        return text
    }

    /// A secret: a string, or an `env:`/`file:` reference to one.
    public func secret(_ key: String, required: Bool = true) -> Secret? {
        guard let text = string(key, required: required) else { return nil }
        let at = value(key)?.position ?? position
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard let resolved = environment[name], !resolved.isEmpty else {
                error("'\(key)' names the environment variable \(name), which is not set", at: at)
                return nil
            }
            return Secret(resolved)
        }
        if text.hasPrefix("file:") {
            var path = String(text.dropFirst(5))
            if !path.hasPrefix("/") { path = baseDirectory + "/" + path }
            guard var contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                error("'\(key)' names the file \(path), which cannot be read", at: at)
                return nil
            }
            if contents.hasSuffix("\n") { contents.removeLast() }
            return Secret(contents)
        }
        return Secret(text)
    }

    /// An array of strings; `nil` when absent.
    public func strings(_ key: String, required: Bool = false) -> [String]? {
        guard let value = value(key) else {
            if required { error("missing required key '\(key)'", at: position) }
            return nil
        }
        guard let array = value.asArray else {
            error("'\(key)' must be an array of strings", at: value.position)
            return nil
        }
        var result: [String] = []
        for element in array {
            guard let text = element.asString, !text.isEmpty else {
                error("'\(key)' must contain only non-empty strings", at: element.position)
                continue
            }
            result.append(text)
        }
        return result
    }

    /// Secrets from an array of strings or references.
    public func secrets(_ key: String, required: Bool = true) -> [Secret]? {
        guard let texts = strings(key, required: required) else { return nil }
        return texts.compactMap { text in
            let options = SenderOptions(
                object: JSONValue(.object([JSONMember(key: "s", value: JSONValue(.string(text)))])), file: file,
                environment: environment, baseDirectory: baseDirectory)
            let secret = options.secret("s")
            for diagnostic in options.diagnostics {
                error(diagnostic.message.replacingOccurrences(of: "'s'", with: "'\(key)'"), at: value(key)?.position)
            }
            return secret
        }
    }

    public func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.asBool else {
            error("'\(key)' must be true or false", at: value.position)
            return nil
        }
        return flag
    }

    /// Records a problem of this sender's configuration.
    public func error(_ message: String, at position: SourcePosition? = nil) {
        diagnostics.append(.error(message, file: file, at: position ?? self.position))
    }

    /// Keys present in the entry that no reader asked for, with a suggestion of the nearest known key.
    public func reportUnusedKeys(known: [String]) {
        for member in object where !read.contains(member.key) {
            let suggestion = Suggestion.closest(to: member.key, among: known + Array(Self.commonKeys))
            error(
                "unknown key '\(member.key)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                at: member.keyPosition)
        }
    }

    /// Throws every problem found so far, unknown keys included.
    ///
    /// The keys a type reads are those of ``Config/SenderConfiguration/knownTypes``: one table describes the
    /// configuration file, and the configuration loader reports a typo there already, with its full path.
    public func finish(type: String) throws(SenderConfigurationError) {
        try finish(known: SenderConfiguration.knownTypes[type] ?? [])
    }

    /// Throws every problem found so far.
    public func finish(known: [String]) throws(SenderConfigurationError) {
        reportUnusedKeys(known: known)
        if !diagnostics.isEmpty { throw SenderConfigurationError(diagnostics: diagnostics) }
    }
}

/// A sender's configuration entry is not valid; each diagnostic has its place in the file.
public struct SenderConfigurationError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
