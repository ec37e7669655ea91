#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A set of byte strings stored in one arena and indexed by open addressing, built for a million entries.
///
/// Per entry it costs the bytes themselves, a 4-byte offset and about 12 bytes of slots, instead of a `String`
/// (16 bytes plus a heap object) and a `Dictionary` bucket. A slot holds the entry number and 32 bits of its hash,
/// so a probe touches one cache line and most mismatches are rejected without comparing bytes.
///
/// Two ways to fill it:
/// - ``insert(_:)`` finds or adds one entry at once (for small tables, such as the `pearlId`s);
/// - ``append(_:)`` stores entries without looking for duplicates, and ``indexAppended()`` then indexes them
///   all, in the order of their slots. Inserting a million entries one by one costs a cache (and TLB) miss each,
///   since every slot is a random place in a table of tens of megabytes; sorted by slot, the same work walks the
///   table front to back. This is what makes a large mapping load in a fraction of the time.
///
/// Entries are numbered from 0 in the order they were added. After ``indexAppended()``, an appended entry that
/// repeats an earlier one is *dead*: it keeps its number and bytes, but lookups return the earlier one.
struct ByteStringTable: Sendable {
    /// All entries' bytes, back to back.
    private var arena: [UInt8] = []
    /// Entry `i` is `arena[offsets[i]..<offsets[i + 1]]`.
    private var offsets: [UInt32] = [0]
    /// `(entry + 1) << 32 | tag`, or 0 for a free slot. The count is a power of two.
    private var slots: [UInt64]
    /// 64 minus the number of bits of a slot index.
    private var shift: UInt64
    /// The hash tags of appended entries not yet indexed; entry numbers start at `firstAppended`.
    private var appendedTags: [UInt32] = []
    private var firstAppended = 0
    /// Entries that are indexed and not dead.
    private(set) var distinctCount = 0

    /// An empty table.
    ///
    /// - Parameters:
    ///   - expectedCount: entries to make room for, so that the slots need not grow (and rehash) on the way.
    ///   - expectedBytes: arena bytes to reserve. Reserved but unused capacity costs address space, not memory:
    ///     the system backs a page only when it is first written.
    init(expectedCount: Int = 0, expectedBytes: Int = 0) {
        shift = 64 - ByteStringTable.slotBits(for: 0)
        slots = ByteStringTable.zeroedSlots(count: 16)
        arena.reserveCapacity(expectedBytes)
        offsets.reserveCapacity(expectedCount + 1)
        appendedTags.reserveCapacity(expectedCount)
    }

    /// The number of entries, dead ones included.
    var count: Int { offsets.count - 1 }

    // MARK: One at a time

    /// Finds `bytes`, or adds them as a new entry. Not to be mixed with appended entries not yet indexed.
    ///
    /// - Returns: the entry's number and whether it is new.
    @discardableResult
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> (index: Int, inserted: Bool) {
        let tag = UInt32(truncatingIfNeeded: byteHash(bytes))
        let (slot, found) = arena.withUnsafeBufferPointer { probe(bytes, tag: tag, in: $0) }
        if let found {
            return (found, false)
        }
        let entry = count
        arena.append(contentsOf: bytes)
        offsets.append(UInt32(truncatingIfNeeded: arena.count))
        slots[slot] = UInt64(entry + 1) << 32 | UInt64(tag)
        distinctCount += 1
        firstAppended = count
        if distinctCount * 4 > slots.count * 3 {
            resize(forCount: distinctCount * 2)
        }
        return (entry, true)
    }

    // MARK: In bulk

    /// Adds the bytes that `body` appends to the arena as one entry, without looking for an equal one.
    ///
    /// This lets a normaliser write its output straight into the arena; if `body` throws, the arena is cut back
    /// and no entry is added.
    ///
    /// - Returns: the entry's number.
    mutating func append<E: Error>(writing body: (inout [UInt8]) throws(E) -> Void) throws(E) -> Int {
        let start = arena.count
        do {
            try body(&arena)
        } catch {
            arena.removeSubrange(start...)
            throw error
        }
        let tag = arena.withUnsafeBufferPointer {
            UInt32(truncatingIfNeeded: byteHash(UnsafeBufferPointer(rebasing: $0[start...])))
        }
        appendedTags.append(tag)
        offsets.append(UInt32(truncatingIfNeeded: arena.count))
        return count - 1
    }

    /// Adds `bytes` as one entry, without looking for an equal one.
    ///
    /// - Returns: the entry's number.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        append { (arena: inout [UInt8]) in arena.append(contentsOf: bytes) }
    }

    /// Appends every entry of `other`, which has only appended entries, as ``append(_:)`` would one by one.
    mutating func append(contentsOf other: ByteStringTable) {
        precondition(other.distinctCount == 0, "only a table of appended entries can be appended whole")
        let base = UInt32(truncatingIfNeeded: arena.count)
        arena.append(contentsOf: other.arena)
        offsets.append(contentsOf: other.offsets.dropFirst().lazy.map { $0 + base })
        appendedTags.append(contentsOf: other.appendedTags)
    }

    /// Indexes the entries appended since the last call.
    ///
    /// - Returns: for each of those entries, in order, the number of the entry it is equal to: itself, or an
    ///   earlier one (it is then dead). The earliest of equal entries is the one kept.
    mutating func indexAppended() -> [UInt32] {
        let first = firstAppended
        let appended = appendedTags.count
        guard appended > 0 else { return [] }
        if (distinctCount + appended) * 4 > slots.count * 3 {
            resize(forCount: distinctCount + appended)
        }
        let order = sortedBySlot(appendedTags)
        var canonical = [UInt32](repeating: 0, count: appended)
        var distinct = distinctCount
        // Moved out so that writing the slots does not overlap with reading the rest of `self`.
        var table = slots
        slots = []
        table.withUnsafeMutableBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                canonical.withUnsafeMutableBufferPointer { canonical in
                    let mask = slots.count - 1
                    for item in order {
                        let offset = Int(item & 0xFFFF_FFFF)
                        let entry = first + offset
                        let tag = UInt32(truncatingIfNeeded: item >> 32)
                        var slot = slotIndex(for: tag)
                        while true {
                            let value = slots[slot]
                            if value == 0 {
                                slots[slot] = UInt64(entry + 1) << 32 | UInt64(tag)
                                canonical[offset] = UInt32(truncatingIfNeeded: entry)
                                distinct += 1
                                break
                            }
                            if UInt32(truncatingIfNeeded: value) == tag {
                                let other = Int(value >> 32) - 1
                                if equals(other, entry, in: arena) {
                                    canonical[offset] = UInt32(truncatingIfNeeded: other)
                                    break
                                }
                            }
                            slot = (slot + 1) & mask
                        }
                    }
                }
            }
        }
        slots = table
        distinctCount = distinct
        appendedTags = []
        firstAppended = count
        return canonical
    }

    /// `tag << 32 | position` for each of `tags`, ordered by home slot, stably (an LSD radix sort).
    private func sortedBySlot(_ tags: [UInt32]) -> [UInt64] {
        let bits = Int(64 - shift)
        let count = tags.count
        var items = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            for position in 0..<count {
                buffer[position] = UInt64(tags[position]) << 32 | UInt64(position)
            }
            initialized = count
        }
        // Digits of up to 12 bits: two passes for tables of up to 16 million slots, with a histogram that
        // stays in the cache.
        let passes = (bits + 11) / 12
        let digitBits = (bits + passes - 1) / passes
        let digitMask = (1 << digitBits) - 1
        var next = [UInt64](repeating: 0, count: count)
        var histogram = [Int](repeating: 0, count: 1 << digitBits)
        for pass in 0..<passes {
            let low = pass * digitBits
            items.withUnsafeBufferPointer { items in
                next.withUnsafeMutableBufferPointer { next in
                    histogram.withUnsafeMutableBufferPointer { histogram in
                        histogram.update(repeating: 0)
                        for item in items {
                            histogram[(slotIndex(for: UInt32(truncatingIfNeeded: item >> 32)) >> low) & digitMask] += 1
                        }
                        var total = 0
                        for digit in histogram.indices {
                            let size = histogram[digit]
                            histogram[digit] = total
                            total += size
                        }
                        for item in items {
                            let digit = (slotIndex(for: UInt32(truncatingIfNeeded: item >> 32)) >> low) & digitMask
                            next[histogram[digit]] = item
                            histogram[digit] += 1
                        }
                    }
                }
            }
            swap(&items, &next)
        }
        return items
    }

    // MARK: Lookup

    /// The number of the (live) entry equal to `bytes`, if any.
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        arena.withUnsafeBufferPointer { arena in
            probe(bytes, tag: UInt32(truncatingIfNeeded: byteHash(bytes)), in: arena).found
        }
    }

    /// Calls `body` with the bytes of entry `index`.
    func withBytes<R>(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let range = Int(offsets[index])..<Int(offsets[index + 1])
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Approximate bytes of memory held.
    var memoryFootprint: Int {
        arena.count + offsets.count * 4 + slots.count * 8
    }

    // MARK: Slots

    /// Looks for `bytes`: returns the matching entry, or the free slot where it would go.
    @inline(__always)
    private func probe(
        _ bytes: UnsafeBufferPointer<UInt8>, tag: UInt32, in arena: UnsafeBufferPointer<UInt8>
    ) -> (slot: Int, found: Int?) {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = slotIndex(for: tag)
            while true {
                let value = slots[slot]
                if value == 0 {
                    return (slot, nil)
                }
                if UInt32(truncatingIfNeeded: value) == tag {
                    let entry = Int(value >> 32) - 1
                    if equals(entry, bytes, in: arena) {
                        return (slot, entry)
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private func slotIndex(for tag: UInt32) -> Int {
        // Fibonacci hashing: the top bits of the product depend on every bit of the tag.
        Int(truncatingIfNeeded: (UInt64(tag) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    private func equals(_ entry: Int, _ bytes: UnsafeBufferPointer<UInt8>, in arena: UnsafeBufferPointer<UInt8>) -> Bool
    {
        offsets.withUnsafeBufferPointer { offsets in
            let start = Int(offsets[entry])
            let end = Int(offsets[entry + 1])
            guard end - start == bytes.count else { return false }
            guard let other = bytes.baseAddress, let base = arena.baseAddress else { return bytes.isEmpty }
            return memcmp(base + start, other, bytes.count) == 0
        }
    }

    @inline(__always)
    private func equals(_ entry: Int, _ other: Int, in arena: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(offsets[other])
        return equals(entry, UnsafeBufferPointer(rebasing: arena[start..<Int(offsets[other + 1])]), in: arena)
    }

    /// The number of slot bits that keeps `count` entries at most 3/4 full (linear probing stays short).
    private static func slotBits(for count: Int) -> UInt64 {
        var bits: UInt64 = 4
        while (1 << bits) * 3 < count * 4 {
            bits += 1
        }
        return bits
    }

    /// Rebuilds the slots for `count` entries.
    private mutating func resize(forCount count: Int) {
        let bits = ByteStringTable.slotBits(for: count)
        guard bits > 64 - shift else { return }
        shift = 64 - bits
        let capacity = 1 << bits
        var newSlots = ByteStringTable.zeroedSlots(count: capacity)
        newSlots.withUnsafeMutableBufferPointer { newSlots in
            for value in slots where value != 0 {
                var slot = slotIndex(for: UInt32(truncatingIfNeeded: value))
                while newSlots[slot] != 0 {
                    slot = (slot + 1) & (capacity - 1)
                }
                newSlots[slot] = value
            }
        }
        slots = newSlots
    }

    /// A zeroed slot array; a large one is backed by huge pages where the system allows it.
    ///
    /// Lookups land on random pages, so with 4 KiB pages most of them miss the TLB as well as the cache; 2 MiB
    /// pages (`MADV_HUGEPAGE`, advised before the memory is first touched) avoid most of those misses.
    private static func zeroedSlots(count: Int) -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if os(Linux)
                let hugePage = 2 << 20
                if count * 8 >= 2 * hugePage, let base = buffer.baseAddress {
                    let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
                    let end = (Int(bitPattern: base) + count * 8) & ~(hugePage - 1)
                    if end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) {
                        _ = madvise(pointer, end - start, 14)  // MADV_HUGEPAGE; a refusal only costs speed.
                    }
                }
            #endif
            buffer.initialize(repeating: 0)
            initialized = count
        }
    }
}
