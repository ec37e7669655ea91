import ContactMapping
import ServiceLifecycle

/// Enforces the suppression list on the mapping in service at start, then on every mapping loaded after it (a
/// change of the file, SIGHUP), one at a time and in the order they were loaded, until graceful shutdown.
///
/// The first enforcement after an upgrade may journal many leads; as a service it runs beside the listener rather
/// than before it, and a shutdown cancels it where it is (the next start enforces again).
struct SuppressionEnforcementService: Service, CustomStringConvertible {
    let enforcer: SuppressionEnforcer
    let mappings: MappingStore

    var description: String { "suppression enforcement" }

    func run() async {
        let (loaded, continuation) = AsyncStream.makeStream(of: Mapping.self)
        // Registered before the mapping in service is read, so that a load in between is enforced too.
        mappings.onLoad { continuation.yield($0) }
        continuation.yield(mappings.current)
        defer { continuation.finish() }
        let enforcer = self.enforcer
        await cancelWhenGracefulShutdown {
            for await mapping in loaded {
                _ = await enforcer.enforce(mapping)
            }
        }
    }
}
