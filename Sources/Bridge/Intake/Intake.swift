import Config
import Foundation
import Journal
import Logging
import OptOutCore

/// From submission to outcome: resolve the keys, journal, hand over to delivery, and wait as the ack mode says.
///
/// Nothing is acknowledged before the journal has committed the opt-outs and fsynced them: if the journal fails, the
/// error reaches the caller, who answers 503 so the sender tries again.
public final class Intake: Sendable {
    public struct Outcome: Sendable {
        /// The journal's record, as current as delivery made it before the answer.
        public var record: OptOutRecord
        /// An earlier delivery of the same event; nothing was journaled or sent this time, unless its keys now
        /// resolve to leads that its record lacked.
        public var duplicate: Bool
        /// Whether the keys resolved to a lead, or leads were named, this time, or a search of the campaigns found
        /// one or has not finished: `unmapped: reject` answers 404 exactly when none of these holds, whatever an
        /// earlier delivery of the same event found in the mapping.
        public var mapped: Bool

        /// Logs an opt-out that resolved to no lead: its keys are on the suppression list, and the leads of a
        /// mapping loaded later are deleted (SPEC §9). A duplicate is not logged again.
        func logIfSuppressedUnmapped(_ logger: Logger) {
            guard !mapped, !duplicate else { return }
            logger.info(
                "opt-out suppressed: no lead is mapped to its keys yet",
                metadata: [
                    "opt_out_id": "\(record.id)", "source": "\(record.source)", "keys": "\(record.keys.count)",
                    "status": "\(record.status.rawValue)",
                ])
        }
    }

    private let journal: Journal
    private let dispatcher: Dispatcher
    private let mappings: MappingStore
    private let dryRun: Bool
    private let syncWait: Duration
    private let blacklistPhones: Bool
    private let search: Search?

    /// The campaigns searched for each opt-out's keys (`campaigns.searchOnOptOut`, SPEC §10).
    public struct Search: Sendable {
        public var pearlIds: [String]
        /// The namespace whose CRM ids are the leads' `externalId`s; nil to search phones alone.
        public var externalIdNamespace: String?

        public init(pearlIds: [String], externalIdNamespace: String?) {
            self.pearlIds = pearlIds
            self.externalIdNamespace = externalIdNamespace
        }

        /// The searches that `campaigns` asks for; nil when `searchOnOptOut` is off or no campaign is listed.
        public init?(_ campaigns: BridgeConfiguration.CampaignSettings) {
            guard campaigns.searchOnOptOut, !campaigns.pearlIds.isEmpty else { return nil }
            self.init(pearlIds: campaigns.pearlIds, externalIdNamespace: campaigns.externalIdNamespace)
        }

        /// One search row per campaign and searchable key.
        public func rows(for keys: [ContactKey]) -> [Lead] {
            CampaignSearch.searchable(keys, namespace: externalIdNamespace).flatMap { key in
                pearlIds.map { Lead(pearlId: $0, leadId: key.description) }
            }
        }
    }

    public init(
        journal: Journal, dispatcher: Dispatcher, mappings: MappingStore, dryRun: Bool, syncWait: Duration,
        blacklistPhones: Bool = true, search: Search? = nil
    ) {
        self.journal = journal
        self.dispatcher = dispatcher
        self.mappings = mappings
        self.dryRun = dryRun
        self.syncWait = syncWait
        self.blacklistPhones = blacklistPhones
        self.search = search.flatMap { $0.pearlIds.isEmpty ? nil : $0 }
    }

    /// Journals the submissions in one transaction and waits up to `syncWaitMilliseconds` for their deliveries, and
    /// for the searches of the campaigns and the deletes of the leads they find.
    ///
    /// - Parameter invalid: events of the same request that could not be used (``Journal/NewOptOut/invalid(source:reason:identifiers:requestId:receivedAt:)``),
    ///   journaled in the same transaction for the audit; they have no outcome.
    /// - Throws: the journal's error when the submissions could not be committed; nothing was acknowledged then.
    public func submit(_ submissions: [OptOutSubmission], invalid: [Journal.NewOptOut] = []) async throws
        -> [Outcome]
    {
        let mapping = mappings.current
        let now = Date()
        let newOptOuts = submissions.map { submission in
            var leads = mapping.leads(for: submission.keys)
            for lead in submission.leads where !leads.contains(lead) {
                leads.append(lead)
            }
            let keys = submission.keys.map(\.description)
            return Journal.NewOptOut(
                source: submission.source, idempotencyKey: submission.idempotencyKey, keys: keys,
                identifiers: submission.identifiers.isEmpty ? keys : submission.identifiers, leads: leads,
                blacklist: blacklistPhones ? submission.keys.filter { $0.namespace == "phone" }.map(\.value) : [],
                searches: search?.rows(for: submission.keys) ?? [], initialStatus: dryRun ? .dryRun : .pending,
                reason: leads.isEmpty ? "unmapped" : nil,
                requestId: submission.requestId, receivedAt: now)
        }
        // Delivery starts once the opt-outs are committed, while the WAL is fsynced: deleting a lead twice is
        // harmless, so only the answer must wait for the fsync, and the two waits overlap.
        let (appendedAll, durable) = try await journal.appendCommitted(newOptOuts + invalid)
        let appended = appendedAll.prefix(newOptOuts.count)

        let items = appended.filter(\.hasNewWork).flatMap { result in
            result.record.leads.filter { $0.status == .pending }.map { lead in
                DeliveryItem(
                    rowID: lead.rowID, optOutID: result.record.id, kind: lead.kind, lead: lead.lead,
                    queuedAt: lead.queuedAt)
            }
        }
        let mapped = { (index: Int, record: OptOutRecord) in
            !newOptOuts[index].leads.isEmpty
                || record.leads.contains { $0.origin == .search || ($0.kind == .search && $0.status != .deleted) }
        }
        guard !items.isEmpty else {
            try await durable.wait()
            return appended.enumerated().map {
                Outcome(record: $1.record, duplicate: $1.isDuplicate, mapped: mapped($0, $1.record))
            }
        }
        let results = await dispatcher.submitAndWait(items, timeout: syncWait)
        try await durable.wait()
        let touched = Set(items.map(\.optOutID))
        var outcomes: [Outcome] = []
        for (index, result) in appended.enumerated() {
            var record = result.record
            if touched.contains(record.id) {
                // A record whose sent leads were all deleted is brought up to date in memory (the answer shows no
                // attempts), which spares the common case a read. Any other result was journaled before the waiter
                // heard of it, and the read waits for the deletions queued before it (`Journal.record(id:)`).
                if let deleted = Self.deleted(record, results: results) {
                    record = deleted
                } else if let current = try? await journal.record(id: record.id) {
                    record = current
                }
            }
            outcomes.append(Outcome(record: record, duplicate: result.isDuplicate, mapped: mapped(index, record)))
        }
        return outcomes
    }

    /// The record after delivery when every lead that has a result was deleted; nil when any other result needs
    /// the journal's details (NLPearl's problem, the next attempt's time).
    private static func deleted(_ record: OptOutRecord, results: [Int64: DeliveryResult]) -> OptOutRecord? {
        var record = record
        for index in record.leads.indices where record.leads[index].status == .pending {
            guard let result = results[record.leads[index].rowID] else { continue }  // still on its way
            guard result == .deleted else { return nil }
            record.leads[index].status = .deleted
            record.leads[index].attemptCount += 1
        }
        record.status = .aggregate(record.leads.map { ($0.kind, $0.status) })
        return record
    }
}
