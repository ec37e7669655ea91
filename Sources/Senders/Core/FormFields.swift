import MicroHTTP

/// The fields of a form-encoded body (ActiveCampaign, Mailchimp, Twilio), by name.
struct FormFields {
    private let pairs: [(name: String, value: String)]

    init(_ body: [UInt8]) {
        pairs = FormDecoding.pairs(String(decoding: body, as: UTF8.self))
    }

    /// The first field named `name`; `nil` when there is none or it is empty, as forms send an unset field.
    subscript(name: String) -> String? {
        guard let value = pairs.first(where: { $0.name == name })?.value, !value.isEmpty else { return nil }
        return value
    }
}
