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
    /// More members, each written after the standard ones (e.g. the opt-out's record).
    public var extensions: [(key: String, write: @Sendable (inout JSONWriter) -> Void)] = []

    public init(_ kind: String, title: String, status: Int, detail: String, errors: [String: [String]]? = nil) {
        self.type = "urn:optout-bridge:problem:\(kind)"
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    /// Adds a member written by `write` after the standard ones.
    public mutating func extend(_ key: String, _ write: @escaping @Sendable (inout JSONWriter) -> Void) {
        extensions.append((key, write))
    }

    /// The problem as `application/problem+json`: `errors` sorted by field, extensions in the order added.
    public var json: [UInt8] {
        JSONWriter.bytes { json in
            json.object { json in
                json.member("type", type)
                json.member("title", title)
                json.member("status", status)
                json.member("detail", detail)
                json.member("errors", errors)
                for (key, write) in extensions { json.member(key, write) }
            }
        }
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
