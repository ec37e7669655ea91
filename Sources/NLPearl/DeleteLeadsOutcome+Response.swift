import JSON

extension DeleteLeadsOutcome {
    /// The outcome of a complete answer.
    ///
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - retryAfter: The `Retry-After` header, if any.
    ///   - location: The `Location` header, if any (named in the detail of a refused redirect).
    ///   - body: The answer's body.
    ///   - now: Seconds since 1970, for `Retry-After` dates.
    ///   - redactor: Removes the token from texts taken from the answer.
    init(
        status: Int,
        retryAfter: String?,
        location: String?,
        body: some Collection<UInt8>,
        now: Double,
        redactor: TokenRedactor
    ) {
        // Every answer that is retried honours its `Retry-After`, documented or not (SPEC §7).
        let delay = retryAfter.flatMap { RetryAfter.parse(Substring($0), now: now) }
        switch status {
        case 200:
            switch Self.boolean(in: body) {
            case true?: self = .deleted
            case false?: self = .notDeleted
            case nil:
                self = .unexpected(
                    status: 200, detail: "body is not a boolean: " + Self.snippet(body, redactor), retryAfter: delay)
            }
        case 400:
            self = .invalid(Self.problem(in: body, redactor))
        case 401, 403:
            self = .unauthorized(status: status)
        case 413:
            self = .contentTooLarge(retryAfter: delay)
        case 429:
            self = .rateLimited(retryAfter: delay)
        case 500..<600:
            self = .unavailable(status: status, retryAfter: delay)
        case 300..<400:
            let target = location.map { redactor.redact(Self.printable(Substring($0), limit: 200)) } ?? "nowhere"
            self = .unexpected(status: status, detail: "redirect to \(target) not followed", retryAfter: delay)
        default:
            self = .unexpected(status: status, detail: Self.snippet(body, redactor), retryAfter: delay)
        }
    }

    /// `true` or `false`, in any letter case, between optional whitespace (and a UTF-8 byte order
    /// mark); nil for anything else, a JSON string `"true"` included.
    ///
    /// Letter case is forgiven because .NET's `Boolean.ToString()` writes `True`, which a
    /// text/plain formatter may send; the meaning cannot be mistaken.
    static func boolean(in body: some Collection<UInt8>) -> Bool? {
        var bytes = body[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return nil }
        var end = bytes.endIndex
        while end > first, isSpace(bytes[bytes.index(end, offsetBy: -1)]) { end = bytes.index(end, offsetBy: -1) }
        let word = bytes[first..<end]
        if word.count == 4, word.elementsEqual("true".utf8, by: { $0 | 0x20 == $1 }) { return true }
        if word.count == 5, word.elementsEqual("false".utf8, by: { $0 | 0x20 == $1 }) { return false }
        return nil
    }

    /// The problem in a 400 body; a body that is not a JSON object still makes a problem, since
    /// the status alone says that NLPearl refused the request.
    static func problem(in body: some Collection<UInt8>, _ redactor: TokenRedactor) -> ValidationProblemDetails {
        if let value = try? JSONParser.parse(Array(body)), let problem = ValidationProblemDetails(json: value) {
            return problem
        }
        let detail = body.isEmpty ? "empty 400 body" : "unreadable 400 body: " + snippet(body, redactor)
        return ValidationProblemDetails(title: "Bad Request", status: 400, detail: detail)
    }

    /// The start of a body as one printable line, for details.
    static func snippet(_ body: some Collection<UInt8>, _ redactor: TokenRedactor) -> String {
        if body.isEmpty { return "empty body" }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return redactor.redact(printable(Substring(text), limit: 200))
    }

    private static func printable(_ text: Substring, limit: Int) -> String {
        var line = String(text.prefix(limit).map { $0.isASCII && ($0.asciiValue! < 0x20 || $0 == "\u{7F}") ? " " : $0 })
        if text.count > limit { line += "…" }
        return line
    }
}
