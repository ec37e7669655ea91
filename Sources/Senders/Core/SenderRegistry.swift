import OptOutCore
import SenderSchema

/// The sender types by their configuration name.
public enum SenderRegistry {
    /// Every type; a new one is one file in `Types/` plus its line here.
    public static let types: [any WebhookSender.Type] = [
        HubSpotSender.self, SalesforceSender.self, PipedriveSender.self, ZohoSender.self, ActiveCampaignSender.self,
        MailchimpSender.self, KlaviyoSender.self, TwilioSender.self, IntercomSender.self, CloseSender.self,
        SendGridSender.self, GoHighLevelSender.self, StandardWebhooksSender.self, GenericSender.self,
    ]

    public static var typeNames: [String] { types.map { $0.type }.sorted() }

    /// Each type with the keys it declares: what the configuration checks `senders[]` entries against.
    public static var schemas: [SenderSchema] { types.map { $0.schema } }

    /// Builds the sender of an entry of `senders`.
    public static func make(name: String, type: String, options: SenderOptions) throws(SenderConfigurationError)
        -> any WebhookSender
    {
        guard let senderType = types.first(where: { $0.type == type }) else {
            let suggestion = Suggestion.closest(to: type, among: typeNames)
            options.error(
                "unknown sender type '\(type)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                    + "; known types: \(typeNames.joined(separator: ", "))")
            throw SenderConfigurationError(diagnostics: options.diagnostics)
        }
        return try senderType.init(name: name, options: options)
    }
}
