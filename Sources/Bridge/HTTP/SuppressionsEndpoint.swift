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
            return .json(200, Array(JSONValue(.object(Self.members(record))).jsonText.utf8))
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
        var count = 0
        let results = zip(texts, parsed).map { text, result -> JSONValue in
            var members = [JSONMember(key: "key", value: JSONValue(.string(text)))]
            switch result {
            case .failure(let error):
                members.append(JSONMember(key: "valid", value: JSONValue(.bool(false))))
                members.append(JSONMember(key: "suppressed", value: JSONValue(.bool(false))))
                members.append(JSONMember(key: "problem", value: JSONValue(.string(error.message))))
            case .success(let key):
                members.append(JSONMember(key: "normalizedKey", value: JSONValue(.string(key.description))))
                if let record = found[key.description] {
                    count += 1
                    members.append(JSONMember(key: "suppressed", value: JSONValue(.bool(true))))
                    members.append(
                        JSONMember(key: "since", value: JSONValue(.string(Timestamp.iso8601(record.firstAt)))))
                    if let blacklist = record.blacklist {
                        members.append(JSONMember(key: "blacklist", value: JSONValue(.string(blacklist.rawValue))))
                    }
                } else {
                    members.append(JSONMember(key: "suppressed", value: JSONValue(.bool(false))))
                }
            }
            return JSONValue(.object(members))
        }
        let body = JSONValue(
            .object([
                JSONMember(key: "results", value: JSONValue(.array(results))),
                JSONMember(key: "suppressed", value: JSONValue(.number(String(count)))),
            ]))
        return .json(200, Array(body.jsonText.utf8))
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

    /// The entry as JSON members, as `GET /v1/suppressions/{key}` shows it.
    static func members(_ record: SuppressionRecord) -> [JSONMember] {
        func member(_ key: String, _ kind: JSONValue.Kind) -> JSONMember {
            JSONMember(key: key, value: JSONValue(kind))
        }
        var members = [
            member("key", .string(record.key)),
            member("suppressed", .bool(true)),
            member("since", .string(Timestamp.iso8601(record.firstAt))),
            member("firstOptOutId", .string(record.firstOptOutId)),
            member("firstSource", .string(record.firstSource)),
            member("latestOptOutId", .string(record.latestOptOutId)),
            member("latestSource", .string(record.latestSource)),
            member("latestAt", .string(Timestamp.iso8601(record.latestAt))),
            member("optOutCount", .number(String(record.optOutCount))),
            member("identifiers", .array(record.identifiers.map { JSONValue(.string($0)) })),
        ]
        if let blacklist = record.blacklist {
            var entry = [member("state", .string(blacklist.rawValue))]
            if let at = record.blacklistUpdatedAt { entry.append(member("updatedAt", .string(Timestamp.iso8601(at)))) }
            members.append(member("blacklist", .object(entry)))
        }
        return members
    }

    private static func unavailable() -> HTTPResponse {
        var response = Problem.journalUnavailable().response
        response.headers.replace(name: "Retry-After", value: "30")
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
