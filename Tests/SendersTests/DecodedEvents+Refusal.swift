import Senders

extension DecodedEvents {
    /// These results, or their ``refusal`` thrown: what the endpoint answers 400, a malformed body or a payload of
    /// invalid events only, reads alike.
    func throwingRefusal() throws(WebhookError) -> DecodedEvents {
        if let refusal { throw refusal }
        return self
    }
}
