import ContactMapping
import Foundation
import JSON
import OptOutCore
import SenderSchema

/// Walks the parsed configuration file, checking every key and collecting every problem with its position.
///
/// Each setting falls back to its default when absent or wrong, so that one run reports all problems.
/// Resolved secrets never appear in a message: a problem with a value read through `env:` or `file:` names the
/// reference, not the value.
struct ConfigurationDecoder {
    let fileName: String
    /// The configuration file's folder with its trailing `/`, or empty for the working directory.
    let directory: String
    let environment: [String: String]
    /// The sender types, each with the keys its entries may hold.
    let senderSchemas: [SenderSchema]
    var errors: [Diagnostic] = []
    var warnings: [Diagnostic] = []

    init(fileName: String, environment: [String: String], senderSchemas: [SenderSchema]) {
        self.fileName = fileName
        self.environment = environment
        self.senderSchemas = senderSchemas
        if let slash = fileName.lastIndex(of: "/") {
            directory = String(fileName[...slash])
        } else {
            directory = ""
        }
    }

    // MARK: Sections

    /// The known members of one object of the file.
    struct Section {
        let path: String
        let position: SourcePosition?
        var members: [String: JSONMember] = [:]

        subscript(key: String) -> JSONValue? { members[key]?.value }

        func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    /// Checks that `value` is an object with only `known` keys, each once. An absent value is an empty section.
    mutating func section(_ value: JSONValue?, path: String, known: [String]) -> Section {
        guard let value else {
            return Section(path: path, position: nil)
        }
        var section = Section(path: path, position: value.position)
        guard let members = value.asObject else {
            error(
                "\(path.isEmpty ? "the configuration" : path) must be an object, not \(value.kindDescription)",
                at: value)
            return section
        }
        for member in members {
            let memberPath = section.path(member.key)
            if !known.contains(member.key) {
                var message = "unknown key '\(memberPath)'"
                if let suggestion = Suggestion.closest(to: member.key, among: known) {
                    message += "; did you mean '\(section.path(suggestion))'?"
                } else {
                    message += "; expected one of " + known.joined(separator: ", ")
                }
                errors.append(.error(message, file: fileName, at: member.keyPosition))
            } else if let first = section.members[member.key] {
                errors.append(
                    .error(
                        "duplicate key '\(memberPath)' (first at line \(first.keyPosition.line))", file: fileName,
                        at: member.keyPosition))
            } else {
                section.members[member.key] = member
            }
        }
        return section
    }

    // MARK: Reporting

    mutating func error(_ message: String, at value: JSONValue?) {
        errors.append(.error(message, file: fileName, at: value?.position))
    }

    mutating func warning(_ message: String, at value: JSONValue?) {
        warnings.append(.warning(message, file: fileName, at: value?.position))
    }

    // MARK: References

    /// A setting's value after `env:` and `file:` are followed.
    enum Resolved {
        /// Not a reference: the value as written.
        case literal(JSONValue.Kind)
        /// The text read through `reference` (`env:NAME` or `file:PATH`); never to be shown.
        case reference(text: String, reference: String)
    }

    /// Follows `env:NAME` and `file:PATH` in a string value; `nil` after reporting a failure.
    mutating func resolve(_ value: JSONValue, path: String) -> Resolved? {
        guard case .string(let text) = value.kind else {
            return .literal(value.kind)
        }
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard isVariableName(name) else {
                error("\(path): 'env:' must be followed by an environment variable name, such as env:TOKEN", at: value)
                return nil
            }
            guard let variable = environment[name] else {
                error("\(path): environment variable \(name) is not set", at: value)
                return nil
            }
            return .reference(text: variable, reference: text)
        }
        if text.hasPrefix("file:") {
            let file = String(text.dropFirst(5))
            guard !file.isEmpty else {
                error("\(path): 'file:' must be followed by a path, such as file:/run/secrets/token", at: value)
                return nil
            }
            let bytes: [UInt8]
            do {
                bytes = try FileContents.read(path: resolvePath(file), maximumSize: 1 << 20)
            } catch {
                self.error("\(path): cannot read '\(file)': \(error.reason)", at: value)
                return nil
            }
            guard var content = String(validating: bytes, as: UTF8.self) else {
                error("\(path): '\(file)' is not UTF-8 text", at: value)
                return nil
            }
            // Files written by editors and `echo` end with a newline that is not part of the secret.
            while content.hasSuffix("\n") || content.hasSuffix("\r") || content.hasSuffix("\r\n") {
                content.removeLast()
            }
            return .reference(text: content, reference: text)
        }
        return .literal(value.kind)
    }

    private func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isASCIIDigit(first) else { return false }
        return name.utf8.allSatisfy { byte in
            isASCIIDigit(byte) || (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
                || byte == UInt8(ascii: "_")
        }
    }

    private func isASCIIDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `path` made relative to the configuration file's folder (absolute paths stay as they are).
    func resolvePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : directory + path
    }

    // MARK: Typed settings

    /// The wrong-kind message for a setting that should be `expected`.
    private func kindMessage(_ path: String, _ expected: String, _ resolved: Resolved, _ value: JSONValue) -> String {
        switch resolved {
        case .literal:
            return "\(path) must be \(expected), not \(value.kindDescription)"
        case .reference(_, let reference):
            return "\(path) must be \(expected), and \(reference) does not hold one"
        }
    }

    mutating func string(_ section: Section, _ key: String, default fallback: String, allowEmpty: Bool = false)
        -> String
    {
        optionalString(section, key, allowNull: false, allowEmpty: allowEmpty) ?? fallback
    }

    /// A string setting; `nil` when absent, `null` (if allowed) or wrong.
    mutating func optionalString(
        _ section: Section, _ key: String, allowNull: Bool = true, allowEmpty: Bool = false
    ) -> String? {
        guard let value = section[key] else { return nil }
        let path = section.path(key)
        if allowNull, value.isNull { return nil }
        guard let resolved = resolve(value, path: path) else { return nil }
        switch resolved {
        case .literal(.string(let text)), .reference(let text, _):
            guard allowEmpty || !text.isEmpty else {
                error("\(path) must not be empty", at: value)
                return nil
            }
            return text
        case .literal:
            error(kindMessage(path, allowNull ? "a string or null" : "a string", resolved, value), at: value)
            return nil
        }
    }

    /// The elements of an array setting; none, with an error, when it is not an array.
    mutating func elements(_ value: JSONValue, _ path: String, _ expected: String) -> [JSONValue] {
        guard let elements = value.asArray else {
            error("\(path) must be \(expected), not \(value.kindDescription)", at: value)
            return []
        }
        return elements
    }

    /// A path setting, resolved against the configuration file's folder.
    mutating func optionalPath(_ section: Section, _ key: String) -> String? {
        optionalString(section, key).map(resolvePath)
    }

    mutating func int(_ section: Section, _ key: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        guard let (number, setting) = number(section, key, "an integer", literal: \.intValue, text: { Int($0) })
        else { return fallback }
        guard range.contains(number) else {
            let shown = setting.isLiteral ? ", not \(number)" : ""
            if range.upperBound == Int.max {
                error("\(setting.path) must be at least \(range.lowerBound)\(shown)", at: setting.value)
            } else {
                error(
                    "\(setting.path) must be between \(range.lowerBound) and \(range.upperBound)\(shown)",
                    at: setting.value)
            }
            return fallback
        }
        return number
    }

    /// A number setting that must be above `minimum` (or at least `minimum` when `inclusive`).
    mutating func double(
        _ section: Section, _ key: String, default fallback: Double, minimum: Double, inclusive: Bool
    ) -> Double {
        guard
            let (number, setting) = number(
                section, key, "a number", literal: { $0.doubleValue.flatMap(Self.finite) },
                text: { Double($0).flatMap(Self.finite) })
        else { return fallback }
        guard inclusive ? number >= minimum : number > minimum else {
            let bound = minimum == minimum.rounded() ? String(Int(minimum)) : String(minimum)
            let shown: String
            if setting.isLiteral, let literal = setting.value.numberLiteral {
                shown = ", not \(literal)"
            } else {
                shown = ""
            }
            error(
                "\(setting.path) must be \(inclusive ? "at least" : "greater than") \(bound)\(shown)",
                at: setting.value)
            return fallback
        }
        return number
    }

    /// Where a number setting stands, for messages about its value.
    struct NumberSetting {
        var value: JSONValue
        var path: String
        /// Written in the file, rather than read from the environment or a file.
        var isLiteral: Bool
    }

    /// A number setting as written, or as the variable or file it names holds it; nil when it is absent or not
    /// such a number (reported), so that the caller keeps its default.
    private mutating func number<Number>(
        _ section: Section, _ key: String, _ kind: String, literal: (JSONValue) -> Number?,
        text: (String) -> Number?
    ) -> (Number, NumberSetting)? {
        guard let value = section[key] else { return nil }
        let path = section.path(key)
        guard let resolved = resolve(value, path: path) else { return nil }
        let number: Number?
        switch resolved {
        case .literal(.number):
            number = literal(value)
        case .reference(let referenced, _):
            number = text(referenced.trimmingCharacters(in: .whitespaces))
        case .literal:
            number = nil
        }
        guard let number else {
            error(kindMessage(path, kind, resolved, value), at: value)
            return nil
        }
        let isLiteral: Bool
        if case .literal = resolved { isLiteral = true } else { isLiteral = false }
        return (number, NumberSetting(value: value, path: path, isLiteral: isLiteral))
    }

    private static func finite(_ number: Double) -> Double? {
        number.isFinite ? number : nil
    }

    mutating func bool(_ section: Section, _ key: String, default fallback: Bool) -> Bool {
        guard let value = section[key] else { return fallback }
        let path = section.path(key)
        guard let resolved = resolve(value, path: path) else { return fallback }
        switch resolved {
        case .literal(.bool(let flag)):
            return flag
        case .reference(let text, _) where text == "true" || text == "false":
            return text == "true"
        default:
            error(kindMessage(path, "true or false", resolved, value), at: value)
            return fallback
        }
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ section: Section, _ key: String, default fallback: Choice
    ) -> Choice where Choice.RawValue == String {
        guard let text = optionalString(section, key, allowNull: false), let value = section[key] else {
            return fallback
        }
        if let choice = Choice(rawValue: text) {
            return choice
        }
        let names = Choice.allCases.map(\.rawValue)
        var message = "\(section.path(key)) must be " + names.map { "\"\($0)\"" }.joined(separator: " or ")
        if case .string(let literal) = value.kind, !literal.hasPrefix("env:"), !literal.hasPrefix("file:") {
            message += ", not \"\(literal)\""
            if let suggestion = Suggestion.closest(to: literal, among: names) {
                message += "; did you mean \"\(suggestion)\"?"
            }
        }
        error(message, at: value)
        return fallback
    }
}
