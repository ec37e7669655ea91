import Foundation
import JSON
import Journal
import MicroHTTP
import OptOutCore

/// `GET /v1/suppressions/{key}` and `POST /v1/suppressions/check`: the suppression list, for whoever imports leads
/// into NLPearl and wants to filter them first (SPEC §9).
struct SuppressionsEndpoint: Sendable {
    /// The most keys one check takes.
    static let maximumKeys = 10_000

    let authentication: APIAuthentication
    let journal: Journal
    let defaultCountryCode: String?

    /// One key: its entry (since when, by which opt-outs, blacklist state), or 404 when it is not suppressed.
    func show(key text: String, request: HTTPRequest) async -> HTTPResponse {
        if let refusal = authentication.refusal(request) { return refusal }
        let key: ContactKey
        do {
            key = try ContactKey.parse(text, defaultCountryCode: defaultCountryCode)
        } catch {
            return Problem.badRequest(
                "'\(text)' is not a contact key such as email:jane@example.com or phone:+15551234567: \(error.message)"
            ).response
        }
        do {
            guard let record = try await journal.suppression(key: key.description) else {
                var detail = "\(key) is not on the suppression list."
                if let removal = try await journal.suppressionRemovals(key: key.description).last {
                    detail += " It was removed on \(Timestamp.iso8601(removal.at)): \(removal.reason)"
                }
                return Problem.notFound(detail).response
            }
            return .json(200, JSONWriter.bytes { Self.write(record, to: &$0) })
        } catch {
            return Self.unavailable()
        }
    }

    /// `{"keys": [...]}` → `{"results": [{"key", "suppressed", ...}], "suppressed": N}`, one result per key in order.
    ///
    /// A key that does not parse is answered in its place with `"valid": false` and the reason, so that one bad
    /// row of an import does not hide the rest.
    func check(_ request: HTTPRequest) async -> HTTPResponse {
        if let refusal = authentication.refusal(request) { return refusal }
        let texts: [String]
        do {
            texts = try Self.keys(in: request.body)
        } catch {
            return error.problem.response
        }
        let parsed = texts.map { text in
            Result { () throws(ContactKeyError) in try ContactKey.parse(text, defaultCountryCode: defaultCountryCode) }
        }
        let found: [String: SuppressionRecord]
        do {
            found = try await journal.suppressions(keys: parsed.compactMap { try? $0.get().description })
        } catch {
            return Self.unavailable()
        }
        let body = JSONWriter.bytes(capacity: 64 + texts.count * 96) { json in
            json.object { json in
                var count = 0
                json.member("results") { json in
                    json.array { json in
                        for (text, result) in zip(texts, parsed) {
                            json.object { json in
                                json.member("key", text)
                                switch result {
                                case .failure(let error):
                                    json.member("valid", false)
                                    json.member("suppressed", false)
                                    json.member("problem", error.message)
                                case .success(let key):
                                    json.member("normalizedKey", key.description)
                                    let record = found[key.description]
                                    json.member("suppressed", record != nil)
                                    guard let record else { return }
                                    count += 1
                                    json.member("since", Timestamp.iso8601(record.firstAt))
                                    json.member("blacklist", record.blacklist?.rawValue)
                                }
                            }
                        }
                    }
                }
                json.member("suppressed", count)
            }
        }
        return .json(200, body)
    }

    /// The keys of a check request: 1 to ``maximumKeys`` strings under `keys`, and nothing else.
    private static func keys(in body: [UInt8]) throws(CheckRefusal) -> [String] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body, maximumDepth: 4)
        } catch {
            throw CheckRefusal.badRequest("The body is not valid JSON: \(error)")
        }
        guard let members = value.asObject else {
            throw CheckRefusal.badRequest(
                #"Send {"keys": ["email:jane@example.com", …]}."#, errors: ["/": ["expected an object"]])
        }
        if let stray = members.first(where: { $0.key != "keys" }) {
            throw CheckRefusal.badRequest(
                "Unknown member '\(stray.key)'.", errors: ["/\(stray.key)": ["unknown member; expected keys"]])
        }
        guard let array = value["keys"]?.asArray, (1...maximumKeys).contains(array.count) else {
            throw CheckRefusal.badRequest(
                "keys must be an array of 1 to \(maximumKeys) strings.",
                errors: ["/keys": ["expected an array of 1 to \(maximumKeys) strings"]])
        }
        var texts: [String] = []
        texts.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            guard let text = element.asString else {
                throw CheckRefusal.badRequest(
                    "keys/\(index) is not a string.", errors: ["/keys/\(index)": ["expected a string"]])
            }
            texts.append(text)
        }
        return texts
    }

    /// Writes the entry as `GET /v1/suppressions/{key}` shows it.
    static func write(_ record: SuppressionRecord, to json: inout JSONWriter) {
        json.object { json in
            json.member("key", record.key)
            json.member("suppressed", true)
            json.member("since", Timestamp.iso8601(record.firstAt))
            json.member("firstOptOutId", record.firstOptOutId)
            json.member("firstSource", record.firstSource)
            json.member("latestOptOutId", record.latestOptOutId)
            json.member("latestSource", record.latestSource)
            json.member("latestAt", Timestamp.iso8601(record.latestAt))
            json.member("optOutCount", record.optOutCount)
            json.member("identifiers", record.identifiers)
            if let blacklist = record.blacklist {
                json.member("blacklist") { json in
                    json.object { json in
                        json.member("state", blacklist.rawValue)
                        json.member("updatedAt", record.blacklistUpdatedAt.map(Timestamp.iso8601))
                    }
                }
            }
        }
    }

    private static func unavailable() -> HTTPResponse {
        var response = Problem.journalUnavailable().response
        response.headers[.retryAfter] = "30"
        return response
    }
}

/// A check request refused as a whole, with the problem to answer.
private struct CheckRefusal: Error {
    let problem: Problem

    static func badRequest(_ detail: String, errors: [String: [String]]? = nil) -> CheckRefusal {
        CheckRefusal(problem: .badRequest(detail, errors: errors))
    }
}
