import Foundation
import Journal
import Synchronization

/// The checks behind `/readyz`: mapping loaded, journal writable, NLPearl token not rejected.
public final class Readiness: Sendable {
    public struct Report: Sendable {
        public var ready: Bool { mappingLoaded && journalWritable && !tokenRejected }
        public var mappingLoaded: Bool
        public var mappingContacts: Int
        /// Problems of the last mapping load, when it failed and the last good mapping is kept.
        public var mappingReloadFailure: [String]?
        public var journalWritable: Bool
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
