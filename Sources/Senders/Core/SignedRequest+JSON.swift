extension SignedRequest {
    /// A request whose body is JSON, as every sender's webhook is: `Content-Type: application/json`, then `headers`
    /// (the signature, a timestamp, a token).
    static func json(url: String, _ headers: Header...) -> SignedRequest {
        SignedRequest(url: url, headers: [Header("Content-Type", "application/json")] + headers)
    }
}
