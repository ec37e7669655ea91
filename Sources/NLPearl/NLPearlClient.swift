import NIOCore
import NIOHTTP1

import struct Foundation.Date

/// The client for NLPearl's `DELETE /v2/Outbound/{pearlId}/Leads`, `POST /v2/Account/Blacklist` and
/// `POST /v1/Outbound/{outboundId}/Leads` (``searchLeads(campaignId:skip:limit:searchInput:statuses:)``).
///
/// A direct client rather than a generated one: there are three endpoints, two of them answering a boolean, and the
/// caller needs `Retry-After`, text/plain booleans and one typed outcome for every kind of answer. The calls go
/// through ``NLPearlTransport``, the bridge's own HTTP/1.1 client, which explains why it is not AsyncHTTPClient.
///
/// Redirects are never followed: a 3xx answer is handed back as it is
/// (``DeleteLeadsOutcome/unexpected(status:detail:)``), so the token only ever goes to
/// ``Configuration/baseURL``.
public struct NLPearlClient: Sendable {
    /// The largest answer body read; NLPearl's answers are a boolean or a short problem.
    static let maxResponseBytes = 1 << 20

    /// Where and how this client reaches NLPearl.
    public let configuration: Configuration

    /// Removes the token from texts taken from answers; internal for the outcomes of other files' endpoints.
    let redactor: TokenRedactor
    private let headers: HTTPHeaders
    private let tokenIsUsable: Bool
    private let timeout: TimeAmount
    private let transport: NLPearlTransport
    /// `scheme://host:port` of the base URL, without user info or path, for error messages.
    private let origin: String

    /// Creates a client.
    ///
    /// - Parameter configuration: Base URL, token and timeout.
    public init(configuration: Configuration) {
        self.init(configuration: configuration, transport: NLPearlTransport(baseURL: configuration.baseURL))
    }

    /// Creates a client that calls through `transport`: for tests that trust a certificate of their own.
    init(configuration: Configuration, transport: NLPearlTransport) {
        self.configuration = configuration
        self.transport = transport
        self.redactor = TokenRedactor(token: configuration.token)
        // A CR, LF or other control character would make a broken (or injected) header, and the encoder's error
        // for it could quote the token: refuse before sending.
        self.tokenIsUsable = configuration.token.utf8.allSatisfy { ($0 >= 0x20 && $0 != 0x7F) || $0 == 0x09 }
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer " + configuration.token)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        self.headers = headers
        self.origin = Self.origin(of: configuration.baseURL)
        self.timeout = Self.timeAmount(configuration.timeout)
    }

    /// Deletes leads of one outbound campaign.
    ///
    /// Sends `DELETE {baseURL}/v2/Outbound/{pearlId}/Leads` with `{"leadIds":[...]}` and waits at most
    /// ``Configuration/timeout`` for the whole answer. Never throws: every failure is an outcome.
    ///
    /// - Parameters:
    ///   - pearlId: The campaign; sent percent-encoded as one path segment.
    ///   - leadIds: The leads to delete, in order, duplicates kept.
    /// - Returns: What NLPearl answered, or why no answer came.
    public func deleteLeads(pearlId: String, leadIds: [String]) async -> DeleteLeadsOutcome {
        let wire = DeleteLeadsRequest(baseURL: configuration.baseURL, pearlId: pearlId, leadIds: leadIds)
        return await send(.DELETE, url: wire.url, body: wire.body)
    }

    /// Sends one call to an endpoint that answers 200 with a JSON boolean, and reads its answer.
    ///
    /// Internal rather than private only because the blacklist call lives in `NLPearlClient+Blacklist.swift`.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - url: The whole URL, base URL included.
    ///   - body: The JSON body.
    /// - Returns: What NLPearl answered, or why no answer came.
    func send(_ method: HTTPMethod, url: String, body: [UInt8]) async -> DeleteLeadsOutcome {
        switch await exchange(method, url: url, body: body, maxResponseBytes: Self.maxResponseBytes) {
        case .failed(let outcome):
            return outcome
        case .answered(let answer):
            return answer.outcome(redactor: redactor)
        }
    }

    /// A complete answer, or the outcome of a call that got none.
    enum Exchange: Sendable {
        case answered(NLPearlTransport.Response)
        /// No complete answer: a transport failure, a timeout, an answer over the size bound, an unusable token.
        case failed(DeleteLeadsOutcome)
    }

    /// Sends one call and collects its answer: the one path of every call.
    ///
    /// So that each endpoint gets the same token check, headers, deadline, answer size bound, refused
    /// redirects and redaction, whatever its answer means.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - url: The whole URL, base URL included.
    ///   - body: The JSON body.
    ///   - maxResponseBytes: The largest answer body read; a larger one fails as
    ///     ``DeleteLeadsOutcome/unexpected(status:detail:)``.
    /// - Returns: The answer, or why none came.
    func exchange(_ method: HTTPMethod, url: String, body: [UInt8], maxResponseBytes: Int) async -> Exchange {
        guard tokenIsUsable else {
            return .failed(
                .connectionFailed("request not sent: the token contains control characters (such as a newline)"))
        }
        let result = await transport.exchange(
            method, url: url, headers: headers, body: body, timeout: timeout, maxResponseBytes: maxResponseBytes)
        switch result {
        case .success(let response):
            return .answered(response)
        case .failure(let failure):
            return .failed(DeleteLeadsOutcome(transportFailure: failure, origin: origin, redactor: redactor))
        }
    }
}

extension NLPearlClient {
    /// A `Duration` as NIO's `TimeAmount`: negative as zero, beyond NIO's range as a year.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return seconds < 0 ? .zero : .hours(24 * 365) }
        return .nanoseconds(max(0, nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }

    /// `scheme://host[:port]` of a URL: what precedes the path, less any `user:password@`.
    static func origin(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "the base URL" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        return String(url[..<schemeEnd.upperBound] + host)
    }
}

extension NLPearlClient: CustomStringConvertible, CustomReflectable {
    /// The configuration's description, which never shows the token.
    public var description: String { "NLPearlClient(\(configuration))" }

    /// A mirror without the token or the headers that carry it.
    public var customMirror: Mirror {
        Mirror(self, children: ["configuration": configuration], displayStyle: .struct)
    }
}

extension NLPearlTransport.Response {
    /// The answer read as the boolean endpoints' outcome; also how every status but 200 is read.
    func outcome(redactor: TokenRedactor) -> DeleteLeadsOutcome {
        DeleteLeadsOutcome(
            status: status,
            retryAfter: headers.first(name: "Retry-After"),
            location: headers.first(name: "Location"),
            body: body.readableBytesView,
            now: Date().timeIntervalSince1970,
            redactor: redactor
        )
    }
}
