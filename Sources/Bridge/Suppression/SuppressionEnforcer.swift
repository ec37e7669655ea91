import ContactMapping
import Foundation
import Journal
import Logging
import OptOutCore

/// Enforces the suppression list on every mapping load (SPEC §9): a contact who said stop is not called because the
/// mapping learnt of a lead for them later.
///
/// For each suppressed key, the leads that the mapping gives it and that no row of the journal deletes (or deleted
/// before its opt-out was pruned) are journaled as an opt-out of source `suppression`, linked to the opt-out that
/// suppressed the key, and delivered like any other. A suppressed phone number that never went to NLPearl's
/// blacklist (the list was back-filled, or filled in a dry run) goes the same way.
///
/// Loads that come while one enforcement runs are folded into one more run with the newest mapping, so a burst of
/// reloads costs two runs, not one each.
public actor SuppressionEnforcer {
    /// What one run found and journaled.
    public struct Report: Sendable, Equatable {
        /// Keys on the list.
        public var suppressedKeys: Int
        /// Leads of suppressed contacts that nothing had deleted yet, now journaled.
        public var leads: Int
        /// Phone numbers now journaled for the blacklist.
        public var phones: Int
        /// Opt-outs of source `suppression` created.
        public var optOuts: Int
    }

    private let journal: Journal
    private let dispatcher: Dispatcher
    private let metrics: BridgeMetrics
    private let logger: Logger
    private let dryRun: Bool
    private let blacklistPhones: Bool
    private var running = false
    private var next: Mapping?

    public init(
        journal: Journal, dispatcher: Dispatcher, metrics: BridgeMetrics, logger: Logger, dryRun: Bool,
        blacklistPhones: Bool
    ) {
        self.journal = journal
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.logger = logger
        self.dryRun = dryRun
        self.blacklistPhones = blacklistPhones
    }

    /// Enforces the list on `mapping`, or, while a run is under way, on the newest mapping once it ends.
    ///
    /// - Returns: the report of this call's run; nil when the mapping was handed to the run under way, or the run
    ///   failed (logged).
    @discardableResult
    public func enforce(_ mapping: Mapping) async -> Report? {
        guard !running else {
            next = mapping
            return nil
        }
        running = true
        defer { running = false }
        var report = await run(mapping)
        while let newer = next {
            next = nil
            report = await run(newer)
        }
        return report
    }

    private func run(_ mapping: Mapping) async -> Report? {
        let started = ContinuousClock.now
        let initialStatus: LeadStatus = dryRun ? .dryRun : .pending
        do {
            let keys = try await journal.suppressedKeys()
            let read = ContinuousClock.now - started
            let blacklistPhones = self.blacklistPhones
            let journal = self.journal
            // Lookups of every suppressed key and reads of the journal: CPU and SQLite work off the cooperative pool.
            let (plan, check) = try await OffPool.run {
                var check = Duration.zero
                let plan = try Self.plan(
                    keys: keys, mapping: mapping, blacklistPhones: blacklistPhones, initialStatus: initialStatus
                ) { leads in
                    let checkStarted = ContinuousClock.now
                    defer { check = ContinuousClock.now - checkStarted }
                    return try journal.unjournaledLeads(leads)
                }
                return (plan, check)
            }
            let planned = ContinuousClock.now - started
            let records = try await journal.appendEnforcements(plan, initialStatus: initialStatus)
            let rows = records.flatMap { record in record.leads.map { (record.id, $0) } }
            if !dryRun {
                await dispatcher.submit(
                    rows.filter { $0.1.status == .pending }.map { id, row in
                        DeliveryItem(
                            rowID: row.rowID, optOutID: id, kind: row.kind, lead: row.lead, queuedAt: row.queuedAt)
                    })
            }
            let report = Report(
                suppressedKeys: keys.count, leads: rows.count { $0.1.kind == .delete },
                phones: rows.count { $0.1.kind == .blacklist }, optOuts: records.count)
            let elapsed = ContinuousClock.now - started
            metrics.recordEnforcement(leads: report.leads, phones: report.phones, duration: elapsed)
            logger.log(
                level: report.optOuts > 0 ? .notice : .info, "suppression list enforced on the mapping",
                metadata: [
                    "suppressed_keys": "\(report.suppressedKeys)", "leads": "\(report.leads)",
                    "phones": "\(report.phones)", "opt_outs": "\(report.optOuts)",
                    "milliseconds": "\(Int(elapsed / .milliseconds(1)))",
                    // Where the time went: reading the list, looking its keys up in the mapping, checking their leads
                    // against the journal, and journaling what was new.
                    "read_ms": "\(Int(read / .milliseconds(1)))",
                    "lookup_ms": "\(Int((planned - read - check) / .milliseconds(1)))",
                    "check_ms": "\(Int(check / .milliseconds(1)))",
                    "write_ms": "\(Int((elapsed - planned) / .milliseconds(1)))",
                ])
            return report
        } catch {
            logger.error(
                "enforcing the suppression list failed; the next mapping load tries again",
                metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The enforcements that `mapping` calls for: per suppressed key, its leads that `unjournaled` keeps, and its
    /// phone number when it still has to go on the blacklist.
    ///
    /// Each lead is named once, under the first key (in the list's order) that finds it.
    ///
    /// - Parameter unjournaled: of the leads given, those that no journal row deletes; called once, with all of them.
    public static func plan(
        keys: [Journal.SuppressedKey], mapping: Mapping, blacklistPhones: Bool, initialStatus: LeadStatus,
        unjournaled: ([Lead]) throws -> [Lead]
    ) rethrows -> [Journal.Enforcement] {
        var claimed = Set<Lead>()
        var found: [(key: Journal.SuppressedKey, leads: [Lead], phone: String?)] = []
        for entry in keys {
            guard let key = ContactKey(normalized: entry.key) else { continue }
            let leads = mapping.leads(for: key).filter { claimed.insert($0).inserted }
            let phone =
                blacklistPhones && key.namespace == "phone"
                    && Journal.needsBlacklisting(entry.blacklist, initialStatus: initialStatus) ? key.value : nil
            if !leads.isEmpty || phone != nil {
                found.append((entry, leads, phone))
            }
        }
        let fresh = Set(try unjournaled(Array(claimed)))
        return found.compactMap { entry in
            let leads = entry.leads.filter(fresh.contains)
            guard !leads.isEmpty || entry.phone != nil else { return nil }
            return Journal.Enforcement(
                key: entry.key.key, suppressedBy: entry.key.latestOptOutID, leads: leads, blacklist: entry.phone)
        }
    }
}
