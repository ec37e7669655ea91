import OptOutCore

/// One opt-out as it arrives, from a webhook or the API, before it is journaled.
public struct OptOutSubmission: Sendable, Hashable {
    /// The sender's name, or `api`.
    public var source: String
    /// The sender's event id or the caller's `Idempotency-Key`; unique per source within the retention.
    public var idempotencyKey: String?
    /// Keys resolved through the mapping; each goes on the suppression list.
    public var keys: [ContactKey]
    /// The identifiers as sent (`email:Jane@Example.com`), including those that did not normalise; the keys' own
    /// text when empty.
    public var identifiers: [String]
    /// Leads named directly (API only), deleted as given.
    public var leads: [Lead]
    public var requestId: String?

    public init(
        source: String, idempotencyKey: String? = nil, keys: [ContactKey] = [], identifiers: [String] = [],
        leads: [Lead] = [], requestId: String? = nil
    ) {
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.keys = keys
        self.identifiers = identifiers
        self.leads = leads
        self.requestId = requestId
    }
}
