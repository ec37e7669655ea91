import Foundation
import MicroHTTP
import OptOutCore

/// Mailchimp audience webhooks: form-encoded `type=unsubscribe` (unsubscribed or deleted members) and
/// `type=cleaned` (addresses that bounced) are opt-outs; `subscribe`, `profile`, `upemail` and `campaign` are not.
///
/// Mailchimp signs nothing, so the webhook's URL carries a secret `?token=`, checked for the `GET` that Mailchimp
/// sends when the webhook is saved as well as for deliveries; that `GET` is answered 200. The event id joins the
/// type, `data[id]` (or, for `cleaned`, which has none, the address) and `fired_at`.
public struct MailchimpSender: URLTokenSender {
    public static let type = "mailchimp"

    public let name: String
    /// The URL's `token`.
    let secret: Secret
    let defaultCountryCode: String?

    public var allowedMethods: [HTTPMethod] { [.post, .get, .head] }

    /// Mailchimp checks the URL with a `GET` (without a body) when the webhook is created and wants a 200.
    public func validationResponse(to request: HTTPRequest) -> HTTPResponse? {
        guard request.method == .get || request.method == .head else { return nil }
        return .json(200, Array(#"{"status":"ok"}"#.utf8))
    }

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        // The validation request carries nothing to decode.
        if request.method == .get || request.method == .head { return DecodedEvents() }
        let field = FormFields(request.body)
        guard let type = field["type"] else {
            throw .badRequest("expected a form-encoded Mailchimp webhook with a 'type' field")
        }
        return DecodedEvents { () throws(InvalidEvent) in
            guard type == "unsubscribe" || type == "cleaned" else { return nil }
            let email = field["data[email]"]
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.crmId(field["data[id]"])
            keys.email(email)
            keys.phone(field["data[merges][PHONE]"])
            keys.phone(field["data[merges][SMSPHONE]"])
            let firedAt = field["fired_at"]
            var eventId: String?
            if let member = field["data[id]"] ?? email, let firedAt {
                eventId = "\(type)-\(member)-\(firedAt)"
            }
            return try keys.event(eventId: eventId, occurredAt: firedAt.flatMap(Self.date))
        }
    }

    /// `fired_at` is `YYYY-MM-DD HH:MM:SS` in UTC.
    private static func date(_ text: String) -> Date? {
        try? Date(text.replacingOccurrences(of: " ", with: "T") + "Z", strategy: .iso8601)
    }
}
