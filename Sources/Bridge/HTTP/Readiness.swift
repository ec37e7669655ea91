import Foundation
import Journal
import Synchronization

/// The checks behind `/readyz`: mapping loaded, journal writable, and whether NLPearl rejects the token.
///
/// Only the first two decide readiness (SPEC §7). A rejected token holds every delivery, but the journal still
/// takes opt-outs and delivers them once a token is accepted; since the token is the same on every replica, failing
/// readiness for it would take them all out of the load balancer at once and refuse the webhooks instead. The
/// rejection shows in the report, the `optout_bridge_nlpearl_token_rejected` metric and the log.
public final class Readiness: Sendable {
    public struct Report: Sendable {
        /// Whether the bridge can take opt-outs: the mapping is loaded and the journal writable.
        public var ready: Bool { mappingLoaded && journalWritable }
        public var mappingLoaded: Bool
        public var mappingContacts: Int
        /// Problems of the last mapping load, when it failed and the last good mapping is kept.
        public var mappingReloadFailure: [String]?
        public var journalWritable: Bool
        /// NLPearl answered the last call 401/403; deliveries are held, which does not make the bridge unready.
        public var tokenRejected: Bool
    }

    let journal: Journal
    private let mappings: MappingStore
    private let dispatcher: Dispatcher
    /// The journal write probe is cached this long, so a probe storm costs one write a second.
    private let probeCache = Mutex<(at: ContinuousClock.Instant, writable: Bool)?>(nil)

    public init(journal: Journal, mappings: MappingStore, dispatcher: Dispatcher) {
        self.journal = journal
        self.mappings = mappings
        self.dispatcher = dispatcher
    }

    public func report() async -> Report {
        let mapping = mappings.status
        return Report(
            mappingLoaded: mapping.loaded, mappingContacts: mapping.contacts,
            mappingReloadFailure: mapping.lastFailure?.map(\.description),
            journalWritable: await journalWritable(), tokenRejected: await dispatcher.tokenRejected)
    }

    private func journalWritable() async -> Bool {
        let now = ContinuousClock.now
        if let cached = probeCache.withLock({ $0 }), now - cached.at < .seconds(1) {
            return cached.writable
        }
        let writable = await journal.checkWritable()
        probeCache.withLock { $0 = (now, writable) }
        return writable
    }
}
