import JSON
import OptOutCore
import SenderSchema

/// A sender's configuration entry, checked against the keys its type declares, with every problem reported at its
/// place in the file.
///
/// The configuration has already resolved `env:` and `file:` references and reported keys that the type does not
/// declare, so this only checks each declared value's kind, once, in ``check(_:)``, before the type reads. The
/// type then reads checked values and records the problems that only it can see (a URL with a query, a key that
/// does not parse) with ``error(_:about:)``; ``WebhookSender/init(name:options:)`` throws them all at once.
public final class SenderOptions {
    public let file: String
    /// `mapping.defaultCountryCode`, for phone numbers that senders send without a `+`.
    public let defaultCountryCode: String?

    private let object: [JSONMember]
    private let position: SourcePosition
    /// The keys of the type, once ``check(_:)`` ran.
    private var declared: [String: SenderOptionKey] = [:]
    /// The values whose kind is right, by key.
    private var checked: [String: JSONValue] = [:]
    /// The keys that the type read.
    public private(set) var read: Set<String> = []
    public private(set) var diagnostics: [Diagnostic] = []

    /// - Parameters:
    ///   - object: the sender's JSON object from the configuration, references resolved.
    ///   - file: the configuration file, for diagnostics.
    ///   - defaultCountryCode: `mapping.defaultCountryCode`.
    public init(object: JSONValue, file: String = "optout-bridge.json", defaultCountryCode: String? = nil) {
        self.defaultCountryCode = defaultCountryCode
        self.object = object.asObject ?? []
        self.position = object.position
        self.file = file
    }

    /// Options built in code (tests, fuzzers): a JSON object literal, whose strings are taken as they are.
    public convenience init(_ json: String, defaultCountryCode: String? = nil) {
        let value = (try? JSONParser.parse(json)) ?? JSONValue(.object([]))
        self.init(object: value, defaultCountryCode: defaultCountryCode)
    }

    // MARK: Checking

    /// Checks the value of every key in `keys`: present when required, and of its kind.
    func check(_ keys: [SenderOptionKey]) {
        for key in keys {
            declared[key.name] = key
            guard let value = given(key.name) else {
                if key.isRequired { missing(key.name) }
                continue
            }
            if isOfItsKind(value, key) { checked[key.name] = value }
        }
    }

    private func isOfItsKind(_ value: JSONValue, _ key: SenderOptionKey) -> Bool {
        switch key.kind {
        case .string:
            guard let text = value.asString, !text.isEmpty else {
                error("'\(key.name)' must be a non-empty string", at: value.position)
                return false
            }
        case .strings:
            guard let array = value.asArray else {
                error("'\(key.name)' must be an array of strings", at: value.position)
                return false
            }
            var valid = true
            for element in array where (element.asString ?? "").isEmpty {
                error("'\(key.name)' must contain only non-empty strings", at: element.position)
                valid = false
            }
            return valid
        case .bool:
            guard value.asBool != nil else {
                error("'\(key.name)' must be true or false", at: value.position)
                return false
            }
        case .json:
            break
        }
        return true
    }

    /// Throws every problem found so far.
    func finish() throws(SenderConfigurationError) {
        if !diagnostics.isEmpty { throw SenderConfigurationError(diagnostics: diagnostics) }
    }

    // MARK: Reading

    /// The value of `key` as written, whatever its kind; `nil` when absent or not of the key's kind.
    public func value(_ key: String) -> JSONValue? {
        lookup(key)
    }

    /// Whether the entry holds `key` at all, valid or not.
    public func isGiven(_ key: String) -> Bool {
        _ = lookup(key)
        return given(key) != nil
    }

    public func string(_ key: String) -> String? {
        assert(declared[key]?.isSecret == false, "'\(key)' is a secret: read it with secret(_:)")
        return lookup(key)?.asString
    }

    public func strings(_ key: String) -> [String]? {
        assert(declared[key]?.isSecret == false, "'\(key)' holds secrets: read it with secrets(_:)")
        return lookup(key)?.asArray?.compactMap(\.asString)
    }

    public func bool(_ key: String) -> Bool? {
        lookup(key)?.asBool
    }

    public func secret(_ key: String) -> Secret? {
        assert(declared[key]?.isSecret == true, "'\(key)' is not declared secret")
        return lookup(key)?.asString.map(Secret.init)
    }

    public func secrets(_ key: String) -> [Secret]? {
        assert(declared[key]?.isSecret == true, "'\(key)' is not declared secret")
        return lookup(key)?.asArray?.compactMap(\.asString).map(Secret.init)
    }

    // Required keys: absent or wrong, they were reported by `check`, so the sender being built is thrown away and
    // the empty value stands in only until then.

    public func requiredString(_ key: String) -> String {
        assert(declared[key]?.isRequired == true, "'\(key)' is not declared required")
        return string(key) ?? ""
    }

    public func requiredStrings(_ key: String) -> [String] {
        assert(declared[key]?.isRequired == true, "'\(key)' is not declared required")
        return strings(key) ?? []
    }

    public func requiredSecret(_ key: String) -> Secret {
        assert(declared[key]?.isRequired == true, "'\(key)' is not declared required")
        return secret(key) ?? Secret("")
    }

    public func requiredSecrets(_ key: String) -> [Secret] {
        assert(declared[key]?.isRequired == true, "'\(key)' is not declared required")
        return secrets(key) ?? []
    }

    private func lookup(_ key: String) -> JSONValue? {
        assert(declared[key] != nil, "'\(key)' is not one of the type's declared option keys")
        read.insert(key)
        return checked[key]
    }

    private func given(_ key: String) -> JSONValue? {
        object.last { $0.key == key }?.value
    }

    // MARK: Problems

    /// Records a problem of this sender's configuration, at `position` or else at the entry.
    public func error(_ message: String, at position: SourcePosition? = nil) {
        diagnostics.append(.error(message, file: file, at: position ?? self.position))
    }

    /// Records a problem of the value of `key`, placed at that value.
    public func error(_ message: String, about key: String) {
        error(message, at: given(key)?.position)
    }

    /// Records that `key`, which the type needs in this entry, is absent.
    public func missing(_ key: String) {
        let hint = declared[key]?.hint.map { " (\($0))" } ?? ""
        error("missing required key '\(key)'\(hint)")
    }
}

/// A sender's configuration entry is not valid; each diagnostic has its place in the file.
public struct SenderConfigurationError: DiagnosticsError, Sendable {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }
}
