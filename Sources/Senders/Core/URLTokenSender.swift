import Foundation
import MicroHTTP
import OptOutCore

/// A shared-secret sender whose CRM signs nothing, so that the webhook's URL carries the secret as `?token=`:
/// ActiveCampaign and Mailchimp, both of which post form-encoded bodies.
protocol URLTokenSender: SharedSecretSender {
    /// The URL's `token`.
    var secret: Secret { get }
}

extension URLTokenSender {
    static var secretKey: String { "token" }

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        try URLToken.check(request, against: secret, place: "the webhook's URL")
    }

    /// The URL with `?token=`; no signature headers.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        SignedRequest(
            url: URLToken.append(secret, to: url), headers: [.init("Content-Type", "application/x-www-form-urlencoded")]
        )
    }
}
