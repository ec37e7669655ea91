import JSON
import Journal
import NLPearl
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

    /// The JSON text. Written with ``JSON/JSONWriter``, not `JSONSerialization`: this is on every answer's path,
    /// and bridging to `NSDictionary` and sorting its keys once cost a fifth of the bridge's CPU.
    public var json: [UInt8] {
        JSONWriter.bytes(capacity: 512) { write(to: &$0) }
    }

    /// Writes the opt-out as one JSON object.
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("id", record.id)
            json.member("status", record.status.rawValue)
            if duplicate { json.member("duplicate", true) }
            json.member("source", record.source)
            json.member("idempotencyKey", record.idempotencyKey)
            json.member("reason", record.reason)
            json.member("suppressedBy", record.suppressedBy)
            json.member("receivedAt", Timestamp.iso8601(record.receivedAt))
            if detailed {
                json.member("updatedAt", Timestamp.iso8601(record.updatedAt))
                json.member("requestId", record.requestId)
            }
            json.member("keys", record.keys)
            if detailed { json.member("identifiers", record.identifiers) }
            rows(of: .delete, as: "leads", always: true, &json)
            rows(of: .blacklist, as: "blacklist", always: false, &json)
            rows(of: .search, as: "searches", always: false, &json)
        }
    }

    private func rows(of kind: ActionKind, as key: String, always: Bool, _ json: inout JSONWriter) {
        let rows = record.leads.filter { $0.kind == kind }
        guard always || !rows.isEmpty else { return }
        json.member(key) { json in
            json.array { json in
                for lead in rows { row(lead, &json) }
            }
        }
    }

    /// A lead `{pearlId, leadId, status, origin?}`, a blacklist entry `{phoneNumber, status}` whose status is the
    /// number's ``BlacklistState`` (`blacklisted` where a lead would say `deleted`), or a search `{pearlId, key,
    /// status}` (`searched` where a lead would say `deleted`).
    private func row(_ lead: LeadRecord, _ json: inout JSONWriter) {
        json.object { json in
            switch lead.kind {
            case .delete:
                json.member("pearlId", lead.pearlId)
                json.member("leadId", lead.leadId)
                json.member("status", lead.status.rawValue)
                json.member("origin", lead.origin?.rawValue)
            case .search:
                json.member("pearlId", lead.pearlId)
                json.member("key", lead.leadId)
                json.member("status", lead.status == .deleted ? "searched" : lead.status.rawValue)
            case .blacklist:
                json.member("phoneNumber", lead.leadId)
                json.member("status", BlacklistState(lead.status).rawValue)
            }
            // Written by the dispatcher with the same writer (``NLPearl/ValidationProblemDetails/jsonText``).
            if let problem = lead.problem { json.member("problem") { $0.raw(problem.utf8) } }
            guard detailed else { return }
            json.member("attemptCount", lead.attemptCount)
            json.member("nextAttemptAt", lead.nextAttemptAt.map(Timestamp.iso8601))
            json.member("lastError", lead.lastError)
            json.member("attempts") { json in
                json.array { json in
                    for attempt in lead.attempts {
                        json.object { json in
                            json.member("at", Timestamp.iso8601(attempt.at))
                            json.member("outcome", attempt.outcome)
                            json.member("httpStatus", attempt.httpStatus)
                            json.member("detail", attempt.detail)
                        }
                    }
                }
            }
        }
    }

    /// NLPearl's `errors` across the rejected leads, for the problem answer.
    var nlpearlErrors: [String: [String]] {
        var errors: [String: [String]] = [:]
        for lead in record.leads where lead.status == .rejected {
            guard let text = lead.problem, let value = try? JSONParser.parse(text),
                let leadErrors = ValidationProblemDetails(json: value)?.errors
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
}
