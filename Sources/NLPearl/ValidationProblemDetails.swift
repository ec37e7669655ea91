/// NLPearl's 400 body: an RFC 9457 problem with ASP.NET's `errors` member.
///
/// Members other than the six named ones (such as ASP.NET's `traceId`) are kept in
/// ``additionalProperties`` as JSON and written back when encoding, as the schema's
/// `additionalProperties: {}` allows them. A named member whose value has another type than the
/// schema says is kept there too, so that decoding a JSON object never fails and loses nothing.
public struct ValidationProblemDetails: Sendable, Hashable {
    /// A URI reference that identifies the problem type.
    public var type: String?
    /// A short, human-readable summary of the problem type.
    public var title: String?
    /// The HTTP status code, as the server saw it.
    public var status: Int32?
    /// A human-readable explanation of this occurrence.
    public var detail: String?
    /// A URI reference that identifies this occurrence.
    public var instance: String?
    /// Messages per field at fault, such as `"leadIds[0]": ["..."]`.
    public var errors: [String: [String]]?
    /// Every other member of the object, by name.
    public var additionalProperties: [String: JSONValue]

    /// Creates a problem.
    public init(
        type: String? = nil,
        title: String? = nil,
        status: Int32? = nil,
        detail: String? = nil,
        instance: String? = nil,
        errors: [String: [String]]? = nil,
        additionalProperties: [String: JSONValue] = [:]
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
        self.additionalProperties = additionalProperties
    }

    /// One line for logs: the title, the detail and the fields at fault.
    public var summary: String {
        var parts: [String] = []
        if let title { parts.append(title) }
        if let detail { parts.append(detail) }
        if let errors, !errors.isEmpty {
            let fields = errors.keys.sorted().map { key in "\(key): \(errors[key, default: []].joined(separator: " "))"
            }
            parts.append("errors: " + fields.joined(separator: "; "))
        }
        return parts.isEmpty ? "no details" : parts.joined(separator: " - ")
    }
}

extension ValidationProblemDetails: Codable {
    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let namedMembers: Set<String> = ["type", "title", "status", "detail", "instance", "errors"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: MemberKey.self)
        self.init()
        for key in container.allKeys {
            // A named member of an unexpected type falls through to `additionalProperties`.
            switch key.stringValue {
            case "type":
                if let value = try? container.decodeIfPresent(String.self, forKey: key) { type = value; continue }
            case "title":
                if let value = try? container.decodeIfPresent(String.self, forKey: key) { title = value; continue }
            case "status":
                if let value = try? container.decodeIfPresent(Int32.self, forKey: key) { status = value; continue }
            case "detail":
                if let value = try? container.decodeIfPresent(String.self, forKey: key) { detail = value; continue }
            case "instance":
                if let value = try? container.decodeIfPresent(String.self, forKey: key) { instance = value; continue }
            case "errors":
                if let value = try? container.decodeIfPresent([String: [String]].self, forKey: key) {
                    errors = value
                    continue
                }
            default:
                break
            }
            let value = try container.decode(JSONValue.self, forKey: key)
            // `null` for a named member is the schema's nullable value, not an extra member.
            if value == .null, Self.namedMembers.contains(key.stringValue) { continue }
            additionalProperties[key.stringValue] = value
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MemberKey.self)
        try container.encodeIfPresent(type, forKey: MemberKey("type"))
        try container.encodeIfPresent(title, forKey: MemberKey("title"))
        try container.encodeIfPresent(status, forKey: MemberKey("status"))
        try container.encodeIfPresent(detail, forKey: MemberKey("detail"))
        try container.encodeIfPresent(instance, forKey: MemberKey("instance"))
        try container.encodeIfPresent(errors, forKey: MemberKey("errors"))
        for (name, value) in additionalProperties {
            // A typed member wins over an additional one of the same name.
            if Self.namedMembers.contains(name), isSet(name) { continue }
            try container.encode(value, forKey: MemberKey(name))
        }
    }

    private func isSet(_ member: String) -> Bool {
        switch member {
        case "type": return type != nil
        case "title": return title != nil
        case "status": return status != nil
        case "detail": return detail != nil
        case "instance": return instance != nil
        case "errors": return errors != nil
        default: return false
        }
    }
}
