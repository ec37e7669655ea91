import Foundation
import Journal
import OptOutCore

/// The JSON of an opt-out as the API shows it: `id`, `status`, `leads` (and their attempts in detail).
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

    public var json: String {
        var object: [String: Any] = [
            "id": record.id,
            "status": record.status.rawValue,
            "source": record.source,
            "receivedAt": Self.timestamp(record.receivedAt),
            "keys": record.keys,
            "leads": record.leads.map(lead),
        ]
        if duplicate { object["duplicate"] = true }
        if let reason = record.reason { object["reason"] = reason }
        if let key = record.idempotencyKey { object["idempotencyKey"] = key }
        if detailed {
            object["updatedAt"] = Self.timestamp(record.updatedAt)
            if let requestId = record.requestId { object["requestId"] = requestId }
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private func lead(_ lead: LeadRecord) -> [String: Any] {
        var object: [String: Any] = ["pearlId": lead.pearlId, "leadId": lead.leadId, "status": lead.status.rawValue]
        if let problem = lead.problem.flatMap(Self.parse) { object["problem"] = problem }
        guard detailed else { return object }
        object["attemptCount"] = lead.attemptCount
        if let next = lead.nextAttemptAt { object["nextAttemptAt"] = Self.timestamp(next) }
        if let error = lead.lastError { object["lastError"] = error }
        object["attempts"] = lead.attempts.map { attempt -> [String: Any] in
            var entry: [String: Any] = ["at": Self.timestamp(attempt.at), "outcome": attempt.outcome]
            if let status = attempt.httpStatus { entry["httpStatus"] = status }
            if let detail = attempt.detail { entry["detail"] = detail }
            return entry
        }
        return object
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

    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
