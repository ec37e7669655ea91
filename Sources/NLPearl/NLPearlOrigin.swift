import NIOCore

/// Where the calls of one client go: the scheme, host and port of its base URL, read once.
///
/// The configuration checks a base URL before the service starts (`nlpearl.baseURL`: http or https, a host, no
/// query, fragment or credentials); for a client made directly with another one, ``parse(_:)`` says why it is not
/// usable (``NLPearlTransport/Failure/unusableBaseURL(_:)``), and each of its calls fails with that.
struct NLPearlOrigin: Sendable, Equatable {
    /// Whether the calls go over TLS.
    var isSecure: Bool
    /// The host name or address, without the brackets of an IPv6 literal.
    var host: String
    var port: Int
    /// The `Host` header: the authority as the URL gives it.
    var authority: String
    /// How many leading characters of every URL built on the base URL are `scheme://authority`: what follows them is
    /// the request target.
    var prefixLength: Int

    /// Reads `scheme://authority` from the start of `baseURL`.
    ///
    /// - Returns: the origin, or why the URL is not usable.
    static func parse(_ baseURL: String) -> Result<NLPearlOrigin, NLPearlTransport.Failure> {
        func unusable(_ why: String) -> Result<NLPearlOrigin, NLPearlTransport.Failure> {
            .failure(.unusableBaseURL(why))
        }
        guard let schemeEnd = baseURL.range(of: "://") else { return unusable("no scheme") }
        let isSecure: Bool
        switch baseURL[..<schemeEnd.lowerBound].lowercased() {
        case "https": isSecure = true
        case "http": isSecure = false
        default: return unusable("the scheme is neither http nor https")
        }
        let rest = baseURL[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return unusable("credentials in the URL") }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return unusable("an unclosed IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return unusable("text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return unusable("no host") }
        let port: Int
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else { return unusable("an invalid port") }
            port = number
        } else {
            port = isSecure ? 443 : 80
        }
        return .success(
            NLPearlOrigin(
                isSecure: isSecure, host: String(host), port: port, authority: String(authority),
                prefixLength: baseURL.distance(from: baseURL.startIndex, to: authority.endIndex)))
    }

    /// The request target of `url`, a URL built on the base URL: what follows `scheme://authority`.
    func target(of url: String) -> String {
        let target = url.dropFirst(prefixLength)
        return target.isEmpty ? "/" : String(target)
    }

    /// Whether ``host`` is an IP address: TLS then sends no server name, and checks the certificate against the
    /// address instead.
    var hostIsAddress: Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
