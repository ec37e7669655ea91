import Foundation
import JSON
import MicroHTTP

/// What every sender does with a request's parts before its own reading: the body as JSON, ids as text, form
/// fields, and the headers a signature needs.
enum WebhookPayload {
    /// The body as JSON, or the 400 that a body of another format gets.
    static func json(_ body: [UInt8]) throws(WebhookError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .badRequest("the body is not valid JSON: \(error)")
        }
    }

    /// An id given as a JSON string or number, as text; `nil` for anything else or an empty string.
    ///
    /// A number with an integral value is written as an integer (`12.0` and `1.2e1` are `12`), so that a CRM that
    /// writes the same id two ways still names one contact and one event.
    static func idText(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        if let text = value.asString { return text.isEmpty ? nil : text }
        if let number = value.intValue { return String(number) }
        return value.numberLiteral
    }

    /// The value of the header that carries a signature, a timestamp or an id; a 401 naming it when it is absent.
    static func header(_ name: String, of request: HTTPRequest) throws(WebhookError) -> String {
        guard let value = request.headers[name] else { throw .unauthorized("\(name) is missing") }
        return value
    }

    /// Checks that `timestamp`, the value of `header`, is Unix seconds within ``Signatures/tolerance`` of `now`.
    static func checkUnixSeconds(_ timestamp: String, of header: String, now: Date) throws(WebhookError) {
        guard let seconds = Int64(timestamp), Signatures.isFresh(TimeInterval(seconds), now: now) else {
            throw .unauthorized("\(header) is not a time in Unix seconds within 5 minutes of the server's clock")
        }
    }
}
