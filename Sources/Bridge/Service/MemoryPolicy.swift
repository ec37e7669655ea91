#if canImport(Glibc)
    import Glibc
#endif

/// How the service's process allocates memory: set once by `serve`, before the mapping is loaded.
public enum MemoryPolicy {
    /// The size from which an allocation gets a mapping of its own, given back to the system when it is freed.
    public static let largeAllocationBytes: Int32 = 1 << 20

    /// Gives every allocation of ``largeAllocationBytes`` or more a mapping of its own (glibc's `M_MMAP_THRESHOLD`).
    ///
    /// By default glibc raises that threshold, up to 32 MiB, each time such a mapping is freed; from then on, large
    /// blocks come from its arenas, which keep what is freed at their top. Loading a mapping allocates and frees
    /// hundreds of megabytes of such blocks, on threads of their own. Measured with a million contacts, the resident
    /// set grew from 203 MiB after the first load to 287 and then 317 MiB after two reloads; with this policy it
    /// stays at 196 MiB. The cost is a new mapping, and its page faults, for each large block.
    ///
    /// - Returns: whether the C library took it; false where it is not glibc.
    @discardableResult
    public static func returnLargeAllocationsToTheSystem() -> Bool {
        #if canImport(Glibc)
            // `mallopt` is not in Swift's Glibc module (it is declared in <malloc.h>).
            guard let symbol = dlsym(nil, "mallopt") else { return false }
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            return mallopt(mmapThreshold, largeAllocationBytes) == 1
        #else
            return false
        #endif
    }
}
