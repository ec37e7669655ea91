import MicroHTTP
import OptOutCore

/// A secret carried as `?token=` in the webhook's URL, for senders that sign nothing (ActiveCampaign, Mailchimp,
/// optionally Salesforce).
public enum URLToken {
    /// Checks the request's `token` query parameter against the secret, in constant time.
    ///
    /// - Parameter place: where the user sets the URL, for the error message ("the webhook's URL").
    public static func check(_ request: HTTPRequest, against token: Secret, place: String) throws(WebhookError) {
        guard let given = request.queryItems.first(where: { $0.name == "token" })?.value else {
            throw .unauthorized("the URL has no token parameter; add ?token=… to \(place)")
        }
        guard token.matches(given) else { throw .unauthorized("the URL's token parameter does not match") }
    }

    /// `url` with `token=` appended, percent-encoded (RFC 3986 unreserved characters stay as they are).
    public static func append(_ token: Secret, to url: String) -> String {
        var encoded = ""
        for byte in token.reveal().utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + Signatures.hex([byte]).uppercased()
            }
        }
        return url + (url.contains("?") ? "&" : "?") + "token=" + encoded
    }
}
