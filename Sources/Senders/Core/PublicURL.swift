import SenderSchema

/// `publicURL`: the URL that a sender signs (HubSpot v3, Twilio), configured because a proxy in front of the bridge
/// may rewrite the host and the scheme of the URL the request arrives at.
enum PublicURL {
    /// The key, required by the types that sign URLs.
    static let key = SenderOptionKey.string("publicURL", required: true)

    /// The configured URL, after recording a problem when it is not absolute http(s) without a query.
    ///
    /// - Parameter whose: which URL it must be, after "the absolute http(s) URL", e.g. "that HubSpot calls".
    static func read(_ options: SenderOptions, sender name: String, whose: String) -> String {
        if let url = options.string(key.name), !isAbsoluteWithoutQuery(url) {
            options.error(
                "'publicURL' must be the absolute http(s) URL \(whose), without a query, "
                    + "e.g. https://bridge.example.com/hooks/\(name)",
                about: key.name)
        }
        return options.requiredString(key.name)
    }

    /// `publicURL` followed by `query`, as the sender saw the URL it called.
    static func signed(_ publicURL: String, query: String?) -> String {
        query.map { publicURL + "?" + $0 } ?? publicURL
    }

    /// The query of `url`, without its fragment; `nil` when it has none.
    static func query(of url: String) -> String? {
        guard let mark = url.firstIndex(of: "?") else { return nil }
        return String(url[url.index(after: mark)...].prefix { $0 != "#" })
    }

    private static func isAbsoluteWithoutQuery(_ url: String) -> Bool {
        (url.hasPrefix("https://") || url.hasPrefix("http://")) && !url.contains("?") && !url.contains("#")
            && !url.contains(" ")
    }
}
