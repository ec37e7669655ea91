import ContactMapping
import Foundation
import Logging
import OptOutCore
import Synchronization

/// The mapping in service, swapped whole on reload so a request always sees one consistent mapping.
///
/// A reload happens when the file changes (checked every `reloadIntervalSeconds`) or on demand (SIGHUP). A file that
/// fails to load leaves the last good mapping in service; the failure is logged, exported as a metric and shown by
/// `/readyz` until a good file replaces it.
///
/// With `campaigns.pearlIds` set the file is optional (SPEC §10): while it does not exist the mapping is empty and
/// ready, leads come from the campaigns' searches, and a file that appears later is loaded like any change. Once a
/// file was loaded, its disappearance is a failed reload like any other.
///
/// Loads run one at a time (two at once would hold three mappings in memory), and those of a running service run
/// on a thread of their own (``reloadOffPool(onlyIfChanged:)``): a million contacts take seconds of CPU, which on
/// Swift's cooperative pool, one thread per core, would stall every request meanwhile.
public final class MappingStore: Sendable {
    /// What `/readyz` and the metrics report about the mapping.
    public struct Status: Sendable {
        public var loaded: Bool
        public var contacts: Int
        public var loadedAt: Date?
        /// The problems of the last load when it failed, while the previous mapping stays in service.
        public var lastFailure: [Diagnostic]?
    }

    private struct State {
        var mapping: Mapping
        var status: Status
        var fileIdentity: FileIdentity?
        /// Whether a file was ever loaded; until then an optional file may be missing.
        var loadedFromFile = false
    }

    public let file: String
    private let defaultCountryCode: String?
    private let logger: Logger
    private let metrics: BridgeMetrics
    private let state: Mutex<State>
    private let loadHandler = Mutex<(@Sendable (Mapping) -> Void)?>(nil)
    private let loadLock = NSLock()
    /// Whether a missing file is an empty mapping rather than a failure.
    private let optional: Bool

    public init(
        file: String, defaultCountryCode: String?, optional: Bool = false, logger: Logger, metrics: BridgeMetrics
    ) {
        self.file = file
        self.optional = optional
        self.defaultCountryCode = defaultCountryCode
        self.logger = logger
        self.metrics = metrics
        state = Mutex(
            State(mapping: .empty, status: Status(loaded: false, contacts: 0, loadedAt: nil, lastFailure: nil)))
    }

    /// The mapping in service.
    public var current: Mapping { state.withLock { $0.mapping } }

    public var status: Status { state.withLock { $0.status } }

    /// As many threads as the machine has cores, up to 8: what a load may use while nothing else runs, as when the
    /// service starts.
    public static var startupThreads: Int { min(8, ProcessInfo.processInfo.activeProcessorCount) }

    /// Loads the file; on failure the previous mapping stays in service.
    ///
    /// - Parameter threads: how many threads may read the file: more than one only while the service is not yet
    ///   answering (``startupThreads``), since a reload must leave the cores to the requests.
    /// - Returns: the problems when the file could not be loaded, else nil.
    @discardableResult
    public func reload(threads: Int = 1) -> [Diagnostic]? {
        loadLock.lock()
        defer { loadLock.unlock() }
        let identity = FileIdentity(path: file)
        let started = ContinuousClock.now
        // Only before a file was ever loaded: a file deleted later fails to load, and the last good mapping stays.
        if optional, identity == nil, !state.withLock({ $0.loadedFromFile }) {
            let wasMissing = state.withLock { state in
                let wasMissing = state.status.loaded && state.fileIdentity == nil
                state.mapping = .empty
                state.status = Status(loaded: true, contacts: 0, loadedAt: Date(), lastFailure: nil)
                state.fileIdentity = nil
                return wasMissing
            }
            metrics.recordMappingLoad(contacts: 0, at: Date().timeIntervalSince1970)
            if !wasMissing {
                logger.info(
                    "no mapping file: leads are found by searching the campaigns", metadata: ["file": "\(file)"])
            }
            return nil
        }
        do {
            let mapping = try Mapping.load(file: file, defaultCountryCode: defaultCountryCode, threads: threads)
            let elapsed = ContinuousClock.now - started
            let contacts = mapping.statistics.contacts
            // The old mapping comes out of the lock and is freed here. Freeing a million contacts' tables takes this
            // low-priority thread milliseconds, while every request takes the same lock to read `current`.
            _ = state.withLock { state -> Mapping in
                let previous = state.mapping
                state.mapping = mapping
                state.status = Status(loaded: true, contacts: contacts, loadedAt: Date(), lastFailure: nil)
                state.fileIdentity = identity
                state.loadedFromFile = true
                return previous
            }
            metrics.recordMappingLoad(contacts: contacts, at: Date().timeIntervalSince1970)
            loadHandler.withLock { $0 }?(mapping)
            for warning in mapping.warnings.prefix(20) {
                logger.warning("\(warning)")
            }
            logger.info(
                "mapping loaded",
                metadata: [
                    "file": "\(file)", "contacts": "\(contacts)", "keys": "\(mapping.statistics.keys)",
                    "leads": "\(mapping.statistics.leads)",
                    "milliseconds": "\(Int(elapsed / .milliseconds(1)))",
                ])
            return nil
        } catch {
            let keptPrevious = state.withLock { state in
                state.status.lastFailure = error.diagnostics
                state.fileIdentity = identity
                return state.status.loaded
            }
            metrics.recordMappingLoad(contacts: nil, at: Date().timeIntervalSince1970)
            logger.error(
                keptPrevious
                    ? "mapping reload failed; the last good mapping stays in service" : "mapping failed to load",
                metadata: [
                    "file": "\(file)",
                    "problems": .array(error.diagnostics.prefix(20).map { .string($0.description) }),
                ])
            return error.diagnostics
        }
    }

    /// Calls `handler` with every mapping loaded from now on (start, change, SIGHUP), on the loading thread, right
    /// after it went into service: the suppression list is enforced on it (``SuppressionEnforcer``).
    public func onLoad(_ handler: @escaping @Sendable (Mapping) -> Void) {
        loadHandler.withLock { $0 = handler }
    }

    /// Reloads when the file's identity (inode, size, modification time) changed since the last load.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let identity = FileIdentity(path: file)
        guard state.withLock({ $0.fileIdentity != identity }) else { return false }
        reload()
        return true
    }

    /// ``reload()``, or ``reloadIfChanged()``, on a thread of its own rather than the cooperative pool, at the lowest
    /// CPU priority: on a busy machine the load yields to requests instead of taking a core from them, while the old
    /// mapping stays in service.
    public func reloadOffPool(onlyIfChanged: Bool = false) async {
        await OffPool.run {
            if onlyIfChanged {
                self.reloadIfChanged()
            } else {
                self.reload()
            }
        }
    }

    /// The service that checks the file every `interval`, and reloads it off the pool when it changed, until
    /// graceful shutdown.
    func watcher(every interval: Duration) -> PeriodicChore {
        PeriodicChore("mapping watcher", every: interval) { await self.reloadOffPool(onlyIfChanged: true) }
    }
}
