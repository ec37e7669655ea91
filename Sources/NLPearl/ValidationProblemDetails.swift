import JSON

/// NLPearl's 400 body: an RFC 9457 problem with ASP.NET's `errors` member.
///
/// Members other than the six named ones (such as ASP.NET's `traceId`) are kept in
/// ``additionalProperties`` as parsed JSON and written back, as the schema's `additionalProperties: {}` allows
/// them. A named member whose value has another type than the schema says is kept there too, so that reading a
/// JSON object never fails and loses nothing.
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

extension ValidationProblemDetails {
    private static let namedMembers: Set<String> = ["type", "title", "status", "detail", "instance", "errors"]

    /// The problem of a parsed body; nil when the body is not a JSON object.
    public init?(json: JSONValue) {
        guard let members = json.asObject else { return nil }
        self.init()
        for member in members {
            let value = member.value
            // A named member of an unexpected type falls through to `additionalProperties`.
            switch member.key {
            case "type" where value.asString != nil: type = value.asString
            case "title" where value.asString != nil: title = value.asString
            case "detail" where value.asString != nil: detail = value.asString
            case "instance" where value.asString != nil: instance = value.asString
            case "status" where value.intValue.flatMap(Int32.init(exactly:)) != nil:
                status = value.intValue.flatMap(Int32.init(exactly:))
            case "errors" where Self.errors(value) != nil: errors = Self.errors(value)
            // `null` for a named member is the schema's nullable value, not an extra member.
            case _ where value.isNull && Self.namedMembers.contains(member.key): continue
            default: additionalProperties[member.key] = value
            }
        }
    }

    /// `errors` as the schema has it: an object of arrays of strings.
    private static func errors(_ value: JSONValue) -> [String: [String]]? {
        guard let members = value.asObject else { return nil }
        var errors: [String: [String]] = [:]
        for member in members {
            guard let messages = member.value.asArray?.compactMap(\.asString),
                messages.count == member.value.asArray?.count
            else { return nil }
            errors[member.key] = messages
        }
        return errors
    }

    /// Writes the problem as one JSON object: the named members, then the others by name. A named member wins over
    /// an additional one of the same name.
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("type", type)
            json.member("title", title)
            json.member("status", status.map(Int.init))
            json.member("detail", detail)
            json.member("instance", instance)
            json.member("errors", errors)
            for name in additionalProperties.keys.sorted() where !isSet(name) {
                json.key(name)
                json.value(additionalProperties[name]!)
            }
        }
    }

    /// The problem as JSON text, as the journal keeps it.
    public var jsonText: String {
        JSONWriter.text { write(to: &$0) }
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
