import OptOutCore
import SenderSchema

/// A sender type whose one option is a shared secret: ActiveCampaign's and Mailchimp's URL token, Klaviyo's and
/// Intercom's signing secret.
///
/// Such a type declares the key's name (``URLTokenSender`` declares `token`) and a memberwise initializer, and gets its option keys and its
/// configuration reading from here.
protocol SharedSecretSender: WebhookSender {
    /// The secret's key in the configuration entry, e.g. `token`.
    static var secretKey: String { get }

    init(name: String, secret: Secret, defaultCountryCode: String?)
}

extension SharedSecretSender {
    public static var optionKeys: [SenderOptionKey] { [.secret(secretKey)] }

    public init(name: String, checked options: SenderOptions) {
        self.init(
            name: name, secret: options.requiredSecret(Self.secretKey), defaultCountryCode: options.defaultCountryCode)
    }
}
