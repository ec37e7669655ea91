import JSON

extension FakeNLPearl {
    /// An answer, before it becomes an HTTP response.
    public struct Reply: Sendable, Equatable {
        public var status: Int
        public var headers: [Header]
        public var body: [UInt8]
        /// A short form of the answer for logs; the body's start when empty.
        var note: String

        public init(status: Int, headers: [Header] = [], body: [UInt8] = []) {
            self.init(status: status, headers: headers, body: body, note: "")
        }

        init(status: Int, headers: [Header], body: [UInt8], note: String) {
            self.status = status
            self.headers = headers
            self.body = body
            self.note = note
        }

        /// What ``FakeNLPearl/Call/answer`` shows: the note, or the start of the body.
        var summary: String {
            guard note.isEmpty else { return note }
            if body.isEmpty { return "" }
            let text = String(decoding: body.prefix(80), as: UTF8.self).filter { !$0.isNewline }
            return body.count > 80 ? text + "…" : text
        }

        /// 200 with a boolean body.
        static func boolean(_ value: Bool, as contentType: ResponseContentType) -> Reply {
            Reply(
                status: 200,
                headers: [Header("Content-Type", contentType.rawValue)],
                body: Array("\(value)".utf8),
                note: "\(value)"
            )
        }

        /// 200 with a JSON object body, built by the caller.
        static func object(_ body: [UInt8], as contentType: ResponseContentType, note: String) -> Reply {
            Reply(status: 200, headers: [Header("Content-Type", contentType.rawValue)], body: body, note: note)
        }

        /// A `ValidationProblemDetails` body, shaped as ASP.NET writes one (with a `traceId`).
        static func problem(
            status: Int,
            title: String,
            detail: String,
            errors: [String: [String]],
            as contentType: ResponseContentType,
            extraHeaders: [Header] = []
        ) -> Reply {
            // Members sorted by name, as the fake has always written them (it used `.sortedKeys`): a problem's text
            // stays the same from one version of the fake to the next.
            let body = JSONWriter.bytes { json in
                json.object { json in
                    json.member("detail", detail)
                    if !errors.isEmpty {
                        json.member("errors") { json in
                            json.object { json in
                                for key in errors.keys.sorted() { json.member(key, errors[key]) }
                            }
                        }
                    }
                    json.member("status", status)
                    json.member("title", title)
                    json.member("traceId", "00-\(randomHex(16))-\(randomHex(8))-00")
                    json.member("type", "https://tools.ietf.org/html/rfc9110#section-15.5.\(status - 399)")
                }
            }
            return Reply(
                status: status,
                headers: [Header("Content-Type", contentType.rawValue)] + extraHeaders,
                body: body,
                note: errors.count > 1 || errors.keys.first.map(Self.namesAnItem) == true
                    ? detail + " (" + errors.keys.sorted().joined(separator: ", ") + ")"
                    : detail
            )
        }

        /// Whether an `errors` key names one lead or number of the call, such as `leadIds[2]`.
        private static func namesAnItem(_ key: String) -> Bool {
            key.hasPrefix("leadIds[") || key.hasPrefix("phoneNumbers[") || key.hasPrefix("leads[")
        }

        private static func randomHex(_ bytes: Int) -> String {
            (0..<bytes).map { _ in String(UInt8.random(in: 0...255), radix: 16) }
                .map { $0.count == 1 ? "0" + $0 : $0 }
                .joined()
        }
    }
}
