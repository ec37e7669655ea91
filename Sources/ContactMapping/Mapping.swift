import OptOutCore

/// The index from contact keys to NLPearl leads, loaded from the mapping file (SPEC §4).
///
/// Immutable and cheap to copy (one reference): the service swaps a new one in on reload while requests keep
/// using the old one. Sized for a million contacts: keys and lead ids live in byte arenas, `pearlId`s once each,
/// leads as 32-bit numbers (see ``MappingBuilder``).
///
/// ```swift
/// let mapping = try Mapping.load(file: "mapping.json", defaultCountryCode: "+1")
/// let leads = mapping.leads(for: [try .email("Jane.Doe@example.com"), try .crm(sender: "hubspot", id: "1246965")])
/// ```
public struct Mapping: Sendable {
    /// One contact for ``init(contacts:fileName:)``: its keys and leads.
    public struct Contact: Sendable, Hashable {
        public var keys: [ContactKey]
        public var leads: [Lead]

        /// Creates a contact.
        public init(keys: [ContactKey], leads: [Lead]) {
            self.keys = keys
            self.leads = leads
        }
    }

    /// The frozen tables.
    final class Storage: Sendable {
        let fileName: String
        let warnings: [Diagnostic]
        let contactCount: Int
        let keys: ByteStringTable
        /// Per key: `start << 32 | count` into `leadRefs`.
        let keyRanges: [UInt64]
        let leadRefs: [UInt32]
        /// Per lead: the `pearlId` number (4 bytes, little-endian) followed by the `leadId`.
        let leads: ByteStringTable
        let pearlIds: [String]

        init(
            fileName: String, warnings: [Diagnostic], contactCount: Int, keys: ByteStringTable,
            keyRanges: [UInt64], leadRefs: [UInt32], leads: ByteStringTable, pearlIds: [String]
        ) {
            self.fileName = fileName
            self.warnings = warnings
            self.contactCount = contactCount
            self.keys = keys
            self.keyRanges = keyRanges
            self.leadRefs = leadRefs
            self.leads = leads
            self.pearlIds = pearlIds
        }
    }

    let storage: Storage

    init(storage: Storage) {
        self.storage = storage
    }

    /// A mapping without contacts: every key resolves to no lead.
    public static let empty: Mapping = {
        var builder = MappingBuilder()
        return Mapping(storage: builder.finish(fileName: ""))
    }()

    /// Builds a mapping in code, as if from a file with these contacts (shared keys merge their leads).
    public init(contacts: [Contact], fileName: String = "<memory>") {
        var builder = MappingBuilder()
        for contact in contacts {
            builder.beginContact()
            for key in contact.keys {
                builder.addKey { (arena: inout [UInt8]) in
                    arena.append(contentsOf: key.namespace.utf8)
                    arena.append(UInt8(ascii: ":"))
                    arena.append(contentsOf: key.value.utf8)
                }
            }
            for lead in contact.leads {
                var pearlId = lead.pearlId
                var leadId = lead.leadId
                pearlId.withUTF8 { pearl in
                    leadId.withUTF8 { builder.addLead(pearlId: pearl, leadId: $0) }
                }
            }
            builder.endContact()
        }
        storage = builder.finish(fileName: fileName)
    }

    /// The file it was loaded from, as named by the caller.
    public var fileName: String { storage.fileName }

    /// Problems that did not prevent loading, such as a key in two contacts.
    public var warnings: [Diagnostic] { storage.warnings }

    /// Counts of contacts, distinct keys, distinct leads and distinct `pearlId`s.
    public var statistics: MappingStatistics {
        MappingStatistics(
            contacts: storage.contactCount, keys: storage.keys.distinctCount, leads: storage.leads.distinctCount,
            pearlIds: storage.pearlIds.count)
    }

    /// The leads of every key given, without duplicates: in the order of the keys, and for each key in the
    /// order of the file.
    public func leads(for keys: some Sequence<ContactKey>) -> [Lead] {
        var references: [UInt32] = []
        var seen = Set<UInt32>()
        for key in keys {
            guard let range = range(of: key) else { continue }
            for offset in range {
                let reference = storage.leadRefs[offset]
                // A linear scan beats hashing for the usual handful of leads.
                if references.count < 16 {
                    if !references.contains(reference) {
                        references.append(reference)
                    }
                } else {
                    if seen.isEmpty {
                        seen.formUnion(references)
                    }
                    if seen.insert(reference).inserted {
                        references.append(reference)
                    }
                }
            }
        }
        return references.map(lead)
    }

    /// The leads of one key, in the order of the file.
    public func leads(for key: ContactKey) -> [Lead] {
        leads(for: CollectionOfOne(key))
    }

    /// Whether the key is in the mapping.
    public func contains(_ key: ContactKey) -> Bool {
        index(of: key) != nil
    }

    /// The range of `leadRefs` of a key.
    private func range(of key: ContactKey) -> Range<Int>? {
        guard let index = index(of: key) else { return nil }
        let packed = storage.keyRanges[index]
        let start = Int(packed >> 32)
        return start..<start + Int(packed & 0xFFFF_FFFF)
    }

    private func index(of key: ContactKey) -> Int? {
        let namespace = key.namespace.utf8
        let value = key.value.utf8
        let count = namespace.count + 1 + value.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            var offset = buffer.initialize(fromContentsOf: namespace)
            buffer[offset] = UInt8(ascii: ":")
            offset += 1
            _ = UnsafeMutableBufferPointer(rebasing: buffer[offset...]).initialize(fromContentsOf: value)
            return storage.keys.find(UnsafeBufferPointer(buffer))
        }
    }

    private func lead(_ reference: UInt32) -> Lead {
        storage.leads.withBytes(of: Int(reference)) { bytes in
            let pearl = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
            let leadId = String(decoding: UnsafeBufferPointer(rebasing: bytes[4...]), as: UTF8.self)
            return Lead(pearlId: storage.pearlIds[Int(pearl)], leadId: leadId)
        }
    }
}
