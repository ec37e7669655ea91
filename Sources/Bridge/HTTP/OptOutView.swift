import Foundation
import JSON
import Journal
import OptOutCore

/// The JSON of an opt-out as the API shows it: `id`, `status`, `leads` (with their `origin` when a search or the
/// sweep found them), `blacklist` (the phone numbers put on NLPearl's account blacklist), `searches` (the campaigns
/// searched for its keys, SPEC §10), and every attempt in detail.
public struct OptOutView: Sendable {
    public let record: OptOutRecord
    public let duplicate: Bool
    /// Whether to show every attempt (`GET /v1/opt-outs/{id}`), or only the outcome (answers to submissions).
    public let detailed: Bool

    public init(record: OptOutRecord, duplicate: Bool = false, detailed: Bool) {
        self.record = record
        self.duplicate = duplicate
        self.detailed = detailed
    }

    /// The JSON text. Written with OptOutCore's serializer, not `JSONSerialization`: this is on every answer's
    /// path, and bridging to `NSDictionary` and sorting its keys once cost a fifth of the bridge's CPU.
    public var json: String {
        var members: [JSONMember] = [
            member("id", .string(record.id)),
            member("status", .string(record.status.rawValue)),
        ]
        if duplicate { members.append(member("duplicate", .bool(true))) }
        members.append(member("source", .string(record.source)))
        if let key = record.idempotencyKey { members.append(member("idempotencyKey", .string(key))) }
        if let reason = record.reason { members.append(member("reason", .string(reason))) }
        if let suppressedBy = record.suppressedBy { members.append(member("suppressedBy", .string(suppressedBy))) }
        members.append(member("receivedAt", .string(Timestamp.iso8601(record.receivedAt))))
        if detailed {
            members.append(member("updatedAt", .string(Timestamp.iso8601(record.updatedAt))))
            if let requestId = record.requestId { members.append(member("requestId", .string(requestId))) }
        }
        members.append(member("keys", .array(record.keys.map { JSONValue(.string($0)) })))
        if detailed {
            members.append(member("identifiers", .array(record.identifiers.map { JSONValue(.string($0)) })))
        }
        members.append(member("leads", .array(record.leads.filter { $0.kind == .delete }.map(row))))
        let blacklist = record.leads.filter { $0.kind == .blacklist }
        if !blacklist.isEmpty { members.append(member("blacklist", .array(blacklist.map(row)))) }
        let searches = record.leads.filter { $0.kind == .search }
        if !searches.isEmpty { members.append(member("searches", .array(searches.map(row)))) }
        return JSONValue(.object(members)).jsonText
    }

    /// A lead `{pearlId, leadId, status, origin?}`, a blacklist entry `{phoneNumber, status}` whose status is the
    /// number's ``BlacklistState`` (`blacklisted` where a lead would say `deleted`), or a search `{pearlId, key,
    /// status}` (`searched` where a lead would say `deleted`).
    private func row(_ lead: LeadRecord) -> JSONValue {
        var members: [JSONMember]
        switch lead.kind {
        case .delete:
            members = [
                member("pearlId", .string(lead.pearlId)), member("leadId", .string(lead.leadId)),
                member("status", .string(lead.status.rawValue)),
            ]
            if let origin = lead.origin { members.append(member("origin", .string(origin.rawValue))) }
        case .search:
            members = [
                member("pearlId", .string(lead.pearlId)), member("key", .string(lead.leadId)),
                member("status", .string(lead.status == .deleted ? "searched" : lead.status.rawValue)),
            ]
        case .blacklist:
            members = [
                member("phoneNumber", .string(lead.leadId)),
                member("status", .string(BlacklistState(lead.status).rawValue)),
            ]
        }
        if let problem = lead.problem, let value = try? JSONParser.parse(problem) {
            members.append(JSONMember(key: "problem", value: value))
        }
        guard detailed else { return JSONValue(.object(members)) }
        members.append(member("attemptCount", .number(String(lead.attemptCount))))
        if let next = lead.nextAttemptAt { members.append(member("nextAttemptAt", .string(Timestamp.iso8601(next)))) }
        if let error = lead.lastError { members.append(member("lastError", .string(error))) }
        let attempts = lead.attempts.map { attempt in
            var entry = [
                member("at", .string(Timestamp.iso8601(attempt.at))), member("outcome", .string(attempt.outcome)),
            ]
            if let status = attempt.httpStatus { entry.append(member("httpStatus", .number(String(status)))) }
            if let detail = attempt.detail { entry.append(member("detail", .string(detail))) }
            return JSONValue(.object(entry))
        }
        members.append(member("attempts", .array(attempts)))
        return JSONValue(.object(members))
    }

    private func member(_ key: String, _ kind: JSONValue.Kind) -> JSONMember {
        JSONMember(key: key, value: JSONValue(kind))
    }

    /// NLPearl's `errors` across the rejected leads, for the problem answer.
    var nlpearlErrors: [String: [String]] {
        var errors: [String: [String]] = [:]
        for lead in record.leads where lead.status == .rejected {
            guard let problem = lead.problem.flatMap(Self.parse) as? [String: Any],
                let leadErrors = problem["errors"] as? [String: [String]]
            else {
                errors[lead.leadId, default: []].append("rejected by NLPearl")
                continue
            }
            for (field, messages) in leadErrors {
                errors[field, default: []] += messages
            }
        }
        return errors
    }

    private static func parse(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8))
    }
}
