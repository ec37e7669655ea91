import Config
import Foundation
import Journal
import Logging
import MicroHTTP
import OptOutCore
import Senders

/// `/hooks/{name}`: authenticate, decode, journal and answer in the sender's dialect (SPEC §6, `/hooks/*` column).
struct WebhookEndpoint: Sendable {
    let senders: [String: any WebhookSender]
    let intake: Intake
    let ackMode: BridgeConfiguration.AckMode
    let unmapped: BridgeConfiguration.UnmappedPolicy
    let metrics: BridgeMetrics

    func handle(_ request: HTTPRequest, name: String, requestId: String, logger: Logger) async -> HTTPResponse {
        guard let sender = senders[name] else {
            return Problem.notFound("No sender named '\(name)' is configured.").response
        }
        guard sender.allowedMethods.contains(request.method) else {
            return BridgeRouter.notAllowed(request, sender.allowedMethods)
        }
        do {
            try sender.authenticate(request, now: Date())
        } catch {
            if error.code == .unauthorized { metrics.recordSignatureFailure(sender: name) }
            logger.warning("webhook refused", metadata: ["sender": "\(name)", "reason": "\(error.message)"])
            return sender.respond(.refused(error))
        }
        if request.method != .post, let validation = sender.validationResponse(to: request) {
            return validation
        }
        let decoded: DecodedEvents
        do {
            decoded = try sender.decode(request)
        } catch {
            logger.warning("webhook payload refused", metadata: ["sender": "\(name)", "reason": "\(error.message)"])
            return sender.respond(.refused(error))
        }
        record(decoded.invalid, events: decoded.events, sender: name, logger: logger)
        // One bad event does not sink its batch: the good ones are journaled, the bad ones beside them as `invalid`
        // with their reasons, and only a payload of bad ones is 400.
        let invalid = decoded.invalid.map { event in
            Journal.NewOptOut.invalid(
                source: name, reason: event.description + (event.eventId.map { " (event id \($0))" } ?? ""),
                identifiers: event.identifiers.map(\.description), requestId: requestId)
        }
        if decoded.events.isEmpty {
            if !invalid.isEmpty {
                do {
                    _ = try await intake.submit([], invalid: invalid)
                } catch {
                    logger.error("journal append of invalid events failed", metadata: ["error": "\(error)"])
                }
            }
            if let refusal = decoded.refusal {
                logger.warning(
                    "webhook payload refused", metadata: ["sender": "\(name)", "reason": "\(refusal.message)"])
                return sender.respond(.refused(refusal))
            }
            metrics.recordOptOut(source: name, status: OptOutStatus.ignored.rawValue, duplicate: false)
            return sender.respond(.handled(status: .ignored, ids: [], duplicate: false))
        }
        let submissions = decoded.events.map {
            OptOutSubmission(
                source: name, idempotencyKey: $0.eventId, keys: $0.keys, identifiers: $0.identifiers.map(\.description),
                requestId: requestId)
        }
        let outcomes: [Intake.Outcome]
        do {
            outcomes = try await intake.submit(submissions, invalid: invalid)
        } catch {
            logger.error("journal append failed; asking the sender to retry", metadata: ["error": "\(error)"])
            return sender.respond(.retryLater(seconds: 30, problem: .journalUnavailable()))
        }
        for outcome in outcomes {
            metrics.recordOptOut(source: name, status: outcome.record.status.rawValue, duplicate: outcome.duplicate)
            outcome.logIfSuppressedUnmapped(logger)
        }
        return sender.respond(answer(for: outcomes))
    }

    /// Logs and counts each invalid event once, and logs each identifier of a good event that did not become a key.
    private func record(_ invalidEvents: [InvalidEvent], events: [OptOutEvent], sender name: String, logger: Logger) {
        for invalid in invalidEvents {
            metrics.recordInvalidEvent(sender: name)
            logger.warning(
                "webhook event refused",
                metadata: [
                    "sender": "\(name)", "index": "\(invalid.index.map(String.init) ?? "-")",
                    "event_id": "\(invalid.eventId ?? "-")", "reason": "\(invalid.reason)",
                ])
        }
        for event in events {
            for identifier in event.identifiers {
                guard let problem = identifier.problem else { continue }
                logger.notice(
                    "webhook identifier dropped",
                    metadata: [
                        "sender": "\(name)", "event_id": "\(event.eventId ?? "-")", "identifier": "\(identifier)",
                        "problem": "\(problem)",
                    ])
            }
        }
    }

    /// One answer for all the events of a webhook: the least settled outcome speaks for the batch.
    private func answer(for outcomes: [Intake.Outcome]) -> WebhookAnswer {
        let ids = outcomes.map(\.record.id)
        let status = OptOutStatus.combined(outcomes.map(\.record.status))
        let duplicate = outcomes.allSatisfy(\.duplicate)
        // Decided on this delivery's resolution, not the first record's: a retry after the mapping learnt of the
        // contact is answered for what it finds now. The keys are suppressed either way.
        if unmapped == .reject, !outcomes.contains(where: \.mapped) {
            return .unmapped(ids: ids)
        }
        if status == .failed {
            // SPEC §7: never a 2xx for an opt-out that was given up, while its sender still waits and would retry.
            let problem = Problem(
                "delivery-failed", title: "Service Unavailable", status: 503,
                detail: "Journaled as \(ids.joined(separator: ", ")); NLPearl did not confirm the deletion within "
                    + "giveUpAfterHours, and it is kept as failed for `optout-bridge journal retry`.")
            return .retryLater(seconds: OptOutsEndpoint.failedRetryAfter, problem: problem)
        }
        if status == .queued, ackMode == .sync {
            let problem = Problem(
                "delivery-pending", title: "Service Unavailable", status: 503,
                detail: "Journaled as \(ids.joined(separator: ", ")); NLPearl has not confirmed the deletion yet.")
            return .retryLater(seconds: 5, problem: problem)
        }
        return .handled(status: status, ids: ids, duplicate: duplicate)
    }
}

extension OptOutStatus {
    /// The status that speaks for several opt-outs: `failed` first, since one failed event makes the sender retry the
    /// batch (§7), then the least settled one (queued before rejected, … before ignored).
    static func combined(_ statuses: [OptOutStatus]) -> OptOutStatus {
        let order: [OptOutStatus] = [
            .failed, .queued, .rejected, .notDeleted, .deleted, .dryRun, .suppressed, .ignored, .invalid,
        ]
        return order.first { statuses.contains($0) } ?? .ignored
    }
}
