import JSON

/// The wire form of one blacklist call: its URL and its `{"phoneNumbers":[...]}` body.
///
/// Built by hand like ``DeleteLeadsRequest``, with its JSON string escaping: the body has one
/// fixed member. The numbers are sent as given; NLPearl judges them (see
/// ``NLPearlClient/addToBlacklist(phoneNumbers:)``).
struct BlacklistRequest: Sendable {
    var url: String
    var body: [UInt8]

    init(baseURL: String, phoneNumbers: [String]) {
        url = Self.url(baseURL: baseURL)
        body = Self.body(phoneNumbers: phoneNumbers)
    }

    /// `{baseURL}/v2/Account/Blacklist`.
    static func url(baseURL: String) -> String {
        DeleteLeadsRequest.join(baseURL, path: "/v2/Account/Blacklist")
    }

    /// `{"phoneNumbers":[...]}` with each number as a JSON string; no other member, no whitespace.
    static func body(phoneNumbers: [String]) -> [UInt8] {
        JSONWriter.bytes(capacity: 20 + phoneNumbers.reduce(0) { $0 + $1.utf8.count + 3 }) { json in
            json.object { $0.member("phoneNumbers", phoneNumbers) }
        }
    }
}
