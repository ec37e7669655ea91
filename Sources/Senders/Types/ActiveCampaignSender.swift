import Foundation
import MicroHTTP
import OptOutCore

/// ActiveCampaign webhooks: form-encoded bodies, of which `type=unsubscribe` is the opt-out.
///
/// ActiveCampaign signs nothing, so the webhook's URL carries a secret `?token=`. It never retries a delivery and
/// deactivates a webhook answered 410, so the bridge must journal before it answers (it does) and never answer 410.
/// The payload has no event id; `contact[id]` (or the address) and `date_time` together name the unsubscription,
/// so a repeat of the same delivery is a duplicate.
public struct ActiveCampaignSender: URLTokenSender {
    public static let type = "activecampaign"

    public let name: String
    /// The URL's `token`.
    let secret: Secret
    let defaultCountryCode: String?

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let field = FormFields(request.body)
        guard let type = field["type"] else {
            throw .badRequest("expected a form-encoded ActiveCampaign webhook with a 'type' field")
        }
        return DecodedEvents { () throws(InvalidEvent) in
            guard type == "unsubscribe" else { return nil }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.crmId(field["contact[id]"])
            keys.email(field["contact[email]"])
            keys.phone(field["contact[phone]"])
            let dateTime = field["date_time"]
            var eventId: String?
            if let contact = field["contact[id]"] ?? field["contact[email]"], let dateTime {
                eventId = "unsubscribe-\(contact)-\(dateTime)"
            }
            let occurredAt = dateTime.flatMap { try? Date($0, strategy: .iso8601) }
            return try keys.event(eventId: eventId, occurredAt: occurredAt)
        }
    }
}
