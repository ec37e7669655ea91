import OptOutCore

/// Accumulates contacts into the compact tables of a ``Mapping``.
///
/// While the file is read, keys and leads are only appended (``ByteStringTable/append(writing:)``); duplicates
/// are found afterwards, in bulk, by ``finish(fileName:warnings:)``. Then each contact's leads are a
/// range of one flat array of lead numbers, and a key points at a range of that array: its contact's, or for a
/// key in several contacts the union of their leads, appended at the end.
struct MappingBuilder {
    /// Key entries, one per occurrence in the file (repeats become dead entries when indexed).
    private var keys: ByteStringTable
    /// Per key occurrence: its contact.
    private var keyContacts: [UInt32] = []
    /// Lead entries, one per occurrence: the `pearlId` number (4 bytes, little-endian), then the `leadId`.
    private var leads: ByteStringTable
    /// Lead numbers: each contact's, in order.
    private var leadRefs: [UInt32] = []
    /// Per contact: `start << 32 | count` into `leadRefs`.
    private var contactRanges: [UInt64] = []
    private var pearls = ByteStringTable()
    private var pearlIds: [String] = []
    private var contactLeadStart = 0

    /// The number of contacts begun.
    private(set) var contactCount = 0

    /// A builder sized for a file of `fileSize` bytes.
    ///
    /// The guesses assume at least ~40 bytes of file per key and ~100 per lead, as even terse files have; reserved
    /// but unused capacity costs address space only, and a denser file makes the arrays grow as usual.
    init(fileSize: Int = 0) {
        keys = ByteStringTable(expectedCount: fileSize / 40, expectedBytes: fileSize / 3)
        leads = ByteStringTable(expectedCount: fileSize / 100, expectedBytes: fileSize / 5)
        keyContacts.reserveCapacity(fileSize / 40)
        leadRefs.reserveCapacity(fileSize / 100)
        contactRanges.reserveCapacity(fileSize / 100)
    }

    /// Starts the next contact.
    mutating func beginContact() {
        contactLeadStart = leadRefs.count
    }

    /// Adds a key to the current contact, its canonical `namespace:value` bytes written by `write`.
    ///
    /// - Returns: the key's occurrence number, as ``finish(fileName:warnings:)`` reports it.
    @discardableResult
    mutating func addKey<E: Error>(_ write: (inout [UInt8]) throws(E) -> Void) throws(E) -> Int {
        let occurrence = try keys.append(writing: write)
        keyContacts.append(UInt32(truncatingIfNeeded: contactCount))
        return occurrence
    }

    /// Adds a lead to the current contact.
    mutating func addLead(pearlId: UnsafeBufferPointer<UInt8>, leadId: UnsafeBufferPointer<UInt8>) {
        let (pearl, newPearl) = pearls.insert(pearlId)
        if newPearl {
            pearlIds.append(String(decoding: pearlId, as: UTF8.self))
        }
        let lead = leads.append { (arena: inout [UInt8]) in
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: pearl).littleEndian) { arena.append(contentsOf: $0) }
            arena.append(contentsOf: leadId)
        }
        leadRefs.append(UInt32(truncatingIfNeeded: lead))
    }

    /// Ends the current contact.
    mutating func endContact() {
        contactRanges.append(UInt64(contactLeadStart) << 32 | UInt64(leadRefs.count - contactLeadStart))
        contactCount += 1
    }

    /// Adds the contacts of `other`, built from the part of the file that follows this one's, as if this builder
    /// had read them itself: the tables come out the same, entry for entry.
    mutating func append(contentsOf other: MappingBuilder) {
        let contactBase = UInt32(truncatingIfNeeded: contactCount)
        let leadBase = UInt32(truncatingIfNeeded: leads.count)
        let referenceBase = UInt64(leadRefs.count)
        keys.append(contentsOf: other.keys)
        keyContacts.append(contentsOf: other.keyContacts.lazy.map { $0 + contactBase })
        // A lead entry starts with its `pearlId`'s number, which is `other`'s own: the same here only when this
        // builder met the same `pearlId`s first, in the same order.
        var renumbered = false
        var pearlNumbers: [UInt32] = []
        for pearl in other.pearlIds.indices {
            let number = other.pearls.withBytes(of: pearl) { bytes in
                let (number, isNew) = pearls.insert(bytes)
                if isNew { pearlIds.append(String(decoding: bytes, as: UTF8.self)) }
                return number
            }
            pearlNumbers.append(UInt32(truncatingIfNeeded: number))
            renumbered = renumbered || number != pearl
        }
        if renumbered {
            for lead in 0..<other.leads.count {
                other.leads.withBytes(of: lead) { bytes in
                    _ = leads.append { (arena: inout [UInt8]) in
                        let pearl = UInt32(littleEndian: UnsafeRawBufferPointer(bytes).loadUnaligned(as: UInt32.self))
                        withUnsafeBytes(of: pearlNumbers[Int(pearl)].littleEndian) { arena.append(contentsOf: $0) }
                        arena.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[4...]))
                    }
                }
            }
        } else {
            leads.append(contentsOf: other.leads)
        }
        leadRefs.append(contentsOf: other.leadRefs.lazy.map { $0 + leadBase })
        contactRanges.append(contentsOf: other.contactRanges.lazy.map { $0 + (referenceBase << 32) })
        contactCount += other.contactCount
    }

    /// A key occurrence found in an earlier contact too.
    struct SharedKey {
        /// The occurrence number that ``addKey(_:)`` returned.
        var occurrence: Int
        /// The number of the earlier contact that has the key.
        var firstContact: Int
    }

    /// Finds repeated keys and leads, merges the leads of shared keys and freezes the tables.
    ///
    /// - Parameters:
    ///   - threads: with more than one, the keys are indexed on a second thread while this one does the leads.
    ///   - warnings: makes the mapping's warnings from the shared keys, given in file order. A key repeated
    ///     within one contact is not among them.
    mutating func finish(
        fileName: String, threads: Int = 1,
        warnings: (_ sharedKeys: [SharedKey], _ builder: MappingBuilder) -> [Diagnostic] = { _, _ in [] }
    ) -> Mapping.Storage {
        // Moved out (not copied) for the other thread, and back once it is done.
        var keyTable = ByteStringTable()
        swap(&keyTable, &keys)
        let keyIndexing = threads > 1 ? JoinableThread { keyTable.indexAppended() } : nil

        // Leads: point every reference at the first equal entry, then drop repeats within each contact.
        let leadCanonical = leads.indexAppended()
        var write = 0
        for contact in contactRanges.indices {
            let range = contactRanges[contact]
            let start = Int(range >> 32)
            let newStart = write
            for offset in start..<start + Int(range & 0xFFFF_FFFF) {
                let reference = leadCanonical[Int(leadRefs[offset])]
                if !leadRefs[newStart..<write].contains(reference) {
                    leadRefs[write] = reference
                    write += 1
                }
            }
            contactRanges[contact] = UInt64(newStart) << 32 | UInt64(write - newStart)
        }
        leadRefs.removeSubrange(write...)

        // Keys: a key points at its contact's leads; one in several contacts gets their union.
        let keyCanonical = keyIndexing?.join() ?? keyTable.indexAppended()
        swap(&keyTable, &keys)
        var keyRanges = [UInt64](repeating: 0, count: keyCanonical.count)
        var sharedKeys: [UInt32: [UInt32]] = [:]
        var sharedOccurrences: [SharedKey] = []
        for occurrence in keyCanonical.indices {
            let first = Int(keyCanonical[occurrence])
            let contact = keyContacts[occurrence]
            if first == occurrence {
                keyRanges[occurrence] = contactRanges[Int(contact)]
                continue
            }
            let firstContact = keyContacts[first]
            guard contact != firstContact, sharedKeys[UInt32(first)]?.last != contact else { continue }
            sharedKeys[UInt32(first), default: []].append(contact)
            sharedOccurrences.append(SharedKey(occurrence: occurrence, firstContact: Int(firstContact)))
        }
        for key in sharedKeys.keys.sorted() {
            let start = leadRefs.count
            for contact in [keyContacts[Int(key)]] + sharedKeys[key, default: []] {
                let range = contactRanges[Int(contact)]
                let from = Int(range >> 32)
                for offset in from..<from + Int(range & 0xFFFF_FFFF) {
                    let reference = leadRefs[offset]
                    if !leadRefs[start...].contains(reference) {
                        leadRefs.append(reference)
                    }
                }
            }
            keyRanges[Int(key)] = UInt64(start) << 32 | UInt64(leadRefs.count - start)
        }
        return Mapping.Storage(
            fileName: fileName,
            warnings: warnings(sharedOccurrences, self),
            contactCount: contactCount,
            keys: keys,
            keyRanges: keyRanges,
            leadRefs: leadRefs.withUnsafeBufferPointer { Array($0) },
            leads: leads,
            pearlIds: pearlIds)
    }

    /// The canonical text of key occurrence `occurrence`, for messages.
    func keyText(_ occurrence: Int) -> String {
        keys.withBytes(of: occurrence) { String(decoding: $0, as: UTF8.self) }
    }
}
