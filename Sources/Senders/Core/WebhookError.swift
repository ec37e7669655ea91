import OptOutCore

/// Why a webhook is refused: a message fit for the sender to read (never a secret), and its HTTP status.
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let rawValue: String

        /// Bad or missing signature, token or credentials, or a stale timestamp: 401.
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// A malformed payload or one without identifiers: 400.
        public static let badRequest = Code(rawValue: "bad_request")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String

    public static func unauthorized(_ message: String) -> WebhookError {
        WebhookError(code: .unauthorized, message: message)
    }

    public static func badRequest(_ message: String) -> WebhookError {
        WebhookError(code: .badRequest, message: message)
    }

    public var status: Int { code == .unauthorized ? 401 : 400 }

    public var problem: Problem {
        code == .unauthorized ? .unauthorized(message) : .badRequest(message)
    }

    public var description: String { "\(code): \(message)" }
}
