import JSON

/// An RFC 9457 problem: the shape of every error answer, and of NLPearl's own `ValidationProblemDetails`.
public struct Problem: Sendable {
    /// A stable identifier of the kind of problem, e.g. `urn:optout-bridge:problem:unmapped`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// Field (JSON pointer into the request, or NLPearl's field name) → messages.
    public var errors: [String: [String]]?
    /// More members, already encoded as JSON text (e.g. the opt-out's record).
    public var extensions: [(String, String)] = []

    public init(_ kind: String, title: String, status: Int, detail: String, errors: [String: [String]]? = nil) {
        self.type = "urn:optout-bridge:problem:\(kind)"
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    public var json: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out += Array("{\"type\":".utf8)
        JSONValue.appendQuoted(type, to: &out)
        out += Array(",\"title\":".utf8)
        JSONValue.appendQuoted(title, to: &out)
        out += Array(",\"status\":\(status),\"detail\":".utf8)
        JSONValue.appendQuoted(detail, to: &out)
        if let errors {
            out += Array(",\"errors\":{".utf8)
            for (index, key) in errors.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.appendQuoted(key, to: &out)
                out += Array(":[".utf8)
                for (messageIndex, message) in errors[key]!.enumerated() {
                    if messageIndex > 0 { out.append(UInt8(ascii: ",")) }
                    JSONValue.appendQuoted(message, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "}"))
        }
        for (key, value) in extensions {
            out.append(UInt8(ascii: ","))
            JSONValue.appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            out += Array(value.utf8)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

}

extension Problem {
    public static func unauthorized(_ detail: String) -> Problem {
        Problem("unauthorized", title: "Unauthorized", status: 401, detail: detail)
    }

    public static func badRequest(_ detail: String, errors: [String: [String]]? = nil) -> Problem {
        Problem("invalid-request", title: "Bad Request", status: 400, detail: detail, errors: errors)
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem("not-found", title: "Not Found", status: 404, detail: detail)
    }

    public static func methodNotAllowed(_ method: String, allowed: [String]) -> Problem {
        Problem(
            "method-not-allowed", title: "Method Not Allowed", status: 405,
            detail: "\(method) is not allowed here; use \(allowed.joined(separator: ", ")).")
    }

    public static func journalUnavailable() -> Problem {
        Problem(
            "journal-unavailable", title: "Service Unavailable", status: 503,
            detail: "The journal cannot be written (disk full or read-only); nothing was accepted. Try again later.")
    }
}
