/// Removes the API token from text that leaves the client, such as error messages.
///
/// The client never puts the token in a message itself; this guards against texts that come from
/// elsewhere (a library's error, an answer's body) and might echo it.
struct TokenRedactor: Sendable {
    private let secrets: [String]

    init(token: String) {
        var secrets: [String] = []
        if !token.isEmpty { secrets.append(token) }
        // The SecretKey alone is as sensitive as the whole token; short parts would garble text.
        if let colon = token.firstIndex(of: ":") {
            let secretKey = String(token[token.index(after: colon)...])
            if secretKey.count >= 4 { secrets.append(secretKey) }
        }
        self.secrets = secrets
    }

    func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacing(secret, with: "<redacted>")
        }
        return result
    }
}
