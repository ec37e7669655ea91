// libFuzzer target: one sender type's authenticate, decode and respond, as `WebhookEndpoint` calls them.
//
// The type is `FUZZ_SENDER=<type>` (run.sh runs each type on its own corpus). The sender is configured as in
// `examples/senders/optout-bridge.senders.json` (HighLevel also with the Ed25519 key of Tests/SendersTests/Fixtures),
// so the demo private keys can sign. The first byte of an input picks how the request is made:
//
// - bits 0-1 ≠ 3 (signed): the rest is the body, signed by the sender's own `sign` for its public URL, so that
//   authentication passes and the decoder is reached. Round trip: for types whose check reads only headers and URL,
//   `authenticate` must accept what `sign` made. `decode` is called even when `authenticate` refused, so that types
//   whose proof lives in the body (Zoho's token, Salesforce's OrganizationId, HighLevel's timestamp) have their
//   decoder fuzzed too.
// - bits 0-1 = 3 (fuzzed headers): byte 1 is a length L, the next L bytes are lines, the rest is the body. Line i
//   replaces the value of the signed request's i-th header; later lines that start with `?` replace the query, and
//   `Name: value` lines add headers. Only what `authenticate` accepts goes on to `decode`.
// - bits 2-3 pick the method among the sender's allowed ones and `POST`; bit 4 the private key, where there are two.
//
// Every event must have a key, and every key must normalise to itself.
import Bridge
import Config
import Foundation
import FuzzSupport
import MicroHTTP
import OptOutCore
import Senders

#if canImport(Glibc)
    import Glibc
#endif

/// The sender under test and what signs for it, made once per process.
struct Harness: Sendable {
    let sender: any WebhookSender
    let url: String
    let privateKeys: [String]
    /// Whether `authenticate` reads only headers and URL, so that whatever `sign` made must pass.
    let signatureCoversAnyBody: Bool

    /// Senders whose proof is in the body: the round trip holds only for some bodies.
    static let proofInBody: Set<String> = ["zoho", "salesforce", "gohighlevel"]

    /// The clock of every request: signing and checking agree on it, so freshness checks pass.
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    static let shared: Harness = {
        do {
            return try make()
        } catch {
            fail("cannot set up the sender: \(error)")
        }
    }()

    static func make() throws -> Harness {
        let environment = ProcessInfo.processInfo.environment
        guard let type = environment["FUZZ_SENDER"], SenderRegistry.typeNames.contains(type) else {
            fail("set FUZZ_SENDER to one of: \(SenderRegistry.typeNames.joined(separator: " "))")
        }
        setFuzzLabel("FuzzSenders (\(type))")
        let root = repositoryRoot()
        let examples = root + "/examples/senders"
        let (configuration, _) = try BridgeConfiguration.load(
            file: examples + "/optout-bridge.senders.json", environment: ["NLPEARL_API_TOKEN": "fuzz:token"])
        guard let entry = configuration.senders.first(where: { $0.type == type }) else {
            fail("examples/senders/optout-bridge.senders.json has no sender of type \(type)")
        }
        var privateKeys: [String] = []
        var options = SenderOptions(
            object: entry.options, file: entry.file, defaultCountryCode: configuration.mapping.defaultCountryCode)
        switch type {
        case "sendgrid":
            privateKeys = [try String(contentsOfFile: examples + "/keys/sendgrid-demo-private.pem", encoding: .utf8)]
        case "gohighlevel":
            // Both of HighLevel's keys, so that both of its signatures are checked.
            let fixtures = root + "/Tests/SendersTests/Fixtures"
            let publicKeys =
                try String(contentsOfFile: examples + "/keys/gohighlevel-demo-public.pem", encoding: .utf8) + "\n"
                + String(contentsOfFile: fixtures + "/gohighlevel-ed25519-public.pem", encoding: .utf8)
            let json = try JSONSerialization.data(withJSONObject: ["publicKey": publicKeys])
            options = SenderOptions(String(decoding: json, as: UTF8.self), defaultCountryCode: "+1")
            privateKeys = [
                try String(contentsOfFile: examples + "/keys/gohighlevel-demo-private.pem", encoding: .utf8),
                try String(contentsOfFile: fixtures + "/gohighlevel-ed25519-private.pem", encoding: .utf8),
            ]
        default:
            break
        }
        let sender = try SenderRegistry.make(name: entry.name, type: type, options: options)
        let url = entry["publicURL"]?.asString ?? "https://bridge.example.com/hooks/\(entry.name)"
        return Harness(
            sender: sender, url: url, privateKeys: privateKeys,
            signatureCoversAnyBody: !proofInBody.contains(type))
    }

    /// The repository: `FUZZ_REPO_ROOT`, or three folders up from this file (`Fuzz/Sources/FuzzSenders/`).
    static func repositoryRoot() -> String {
        if let root = ProcessInfo.processInfo.environment["FUZZ_REPO_ROOT"] { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let harness = Harness.shared
    let sender = harness.sender
    let selector = data[0]
    let methods = sender.allowedMethods.contains(.post) ? sender.allowedMethods : sender.allowedMethods + [.post]
    let method = methods[Int(selector >> 2 & 3) % methods.count]
    let privateKey =
        harness.privateKeys.isEmpty ? nil : harness.privateKeys[Int(selector >> 4) % harness.privateKeys.count]
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)

    if selector & 3 != 3 {
        let body = Array(input)
        let signed = try? sender.sign(body: body, url: harness.url, now: Harness.now, privateKeyPEM: privateKey)
        let request = makeRequest(
            method: method, url: signed?.url ?? harness.url, headers: signed?.headers ?? [], body: body)
        var authentic = true
        do {
            try sender.authenticate(request, now: Harness.now)
        } catch {
            authentic = false
            check(error.code == .unauthorized || error.code == .badRequest, "authenticate threw \(error)")
            _ = sender.respond(.refused(error))
        }
        if signed != nil, harness.signatureCoversAnyBody {
            check(authentic, "authenticate refused what sign made, for a body of \(body.count) bytes")
        }
        if authentic, method != .post, let response = sender.validationResponse(to: request) {
            check((100...599).contains(response.status.code), "validation answered \(response.status.code)")
        }
        decodeAndRespond(sender, request)
    } else {
        let length = min(Int(input.first ?? 0), max(input.count - 1, 0))
        let lines = input.dropFirst().prefix(length).split(
            separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let body = Array(input.dropFirst(1 + length))
        let signed = try? sender.sign(body: body, url: harness.url, now: Harness.now, privateKeyPEM: privateKey)
        var headers = signed?.headers ?? []
        var url = signed?.url ?? harness.url
        for (index, line) in lines.enumerated() {
            // libmicrohttpd never passes on a CR, LF or NUL inside a header.
            let text = String(decoding: line.filter { $0 != 13 && $0 != 0 }, as: UTF8.self)
            if index < headers.count {
                headers[index].value = text
            } else if text.hasPrefix("?") {
                url = String(url.prefix { $0 != "?" }) + text
            } else if let colon = text.firstIndex(of: ":") {
                headers.append(
                    .init(
                        String(text[..<colon]),
                        String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
        }
        let request = makeRequest(method: method, url: url, headers: headers, body: body)
        do {
            try sender.authenticate(request, now: Harness.now)
        } catch {
            check(error.code == .unauthorized || error.code == .badRequest, "authenticate threw \(error)")
            _ = sender.respond(.refused(error))
            return 0
        }
        if method != .post, let response = sender.validationResponse(to: request) {
            check((100...599).contains(response.status.code), "validation answered \(response.status.code)")
            return 0
        }
        decodeAndRespond(sender, request)
    }
    return 0
}

/// Decodes as the endpoint does and answers each way the endpoint may.
func decodeAndRespond(_ sender: any WebhookSender, _ request: HTTPRequest) {
    let decoded: DecodedEvents
    do {
        decoded = try sender.decode(request)
    } catch {
        check(error.code == .badRequest || error.code == .unauthorized, "decode threw \(error)")
        let response = sender.respond(.refused(error))
        check(response.status.code >= 200, "a refusal answered \(response.status.code)")
        return
    }
    if let refusal = decoded.refusal {
        check(decoded.events.isEmpty && !decoded.invalid.isEmpty, "refused \(refusal) with good events")
        check(sender.respond(.refused(refusal)).status == 400, "the refusal of invalid events is not 400")
    }
    for invalid in decoded.invalid {
        check(!invalid.reason.isEmpty, "an invalid event without a reason")
    }
    let events = decoded.events
    for event in events {
        check(!event.keys.isEmpty, "an event without keys")
        for key in event.keys {
            let again = try? ContactKey.parse(key.description, defaultCountryCode: "+1")
            check(again == key, "the key \(key) does not normalise to itself")
        }
    }
    let ids = events.indices.map { "01FUZZ\($0)" }
    _ = sender.respond(.handled(status: events.isEmpty ? .ignored : .deleted, ids: ids, duplicate: false))
    _ = sender.respond(.unmapped(ids: ids))
    _ = sender.respond(.retryLater(seconds: 30, problem: .journalUnavailable()))
}

/// A request as MicroHTTP hands it over: the target of `url` as raw URI, its path percent-decoded.
func makeRequest(method: HTTPMethod, url: String, headers: [SignedRequest.Header], body: [UInt8]) -> HTTPRequest {
    var target = url
    if let scheme = url.range(of: "://") {
        let rest = url[scheme.upperBound...]
        target = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
    }
    let rawPath = String(target.prefix { $0 != "?" })
    // A fuzzed name that is not a token never reaches a handler (the server refuses the head), so it is left out.
    var fields = HTTPFields()
    fields.reserveCapacity(headers.count)
    for header in headers {
        guard let name = HTTPField.Name(header.name) else { continue }
        fields.append(HTTPField(name: name, lenientValue: header.value.utf8))
    }
    return HTTPRequest(
        method: method, path: rawPath.removingPercentEncoding ?? rawPath, rawURI: target, headers: fields, body: body,
        remoteAddress: "127.0.0.1")
}

runFuzzer(fuzz)
