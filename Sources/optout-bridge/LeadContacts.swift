import JSON
import OptOutCore

/// The contacts of a mapping file built from campaigns' leads, one per person.
///
/// Leads that share a key (the same normalised phone or the same external id) belong to one contact, whatever the
/// campaign; a lead that joins two contacts merges them, the smaller into the larger. Only what the file needs is
/// held: each contact's keys and leads, and an index from key to contact.
struct LeadContacts {
    private struct Contact {
        var keys: [String]
        var leads: [Lead]
    }

    /// Contacts by index; `nil` once merged into another.
    private var contacts: [Contact?] = []
    private var indexByKey: [String: Int] = [:]
    private var seenLeads: Set<Lead> = []

    /// The contacts that will be written.
    private(set) var count = 0

    /// Adds one lead with its keys (at least one), merging every contact that holds one of them.
    mutating func add(_ lead: Lead, keys: [String]) {
        guard seenLeads.insert(lead).inserted else { return }
        var owners: [Int] = []
        for key in keys {
            if let owner = indexByKey[key], !owners.contains(owner) {
                owners.append(owner)
            }
        }
        let target: Int
        if let largest = owners.max(by: { leadCount(at: $0) < leadCount(at: $1) }) {
            target = largest
            for other in owners where other != target {
                merge(other, into: target)
            }
        } else {
            target = contacts.count
            contacts.append(Contact(keys: [], leads: []))
            count += 1
        }
        for key in keys where indexByKey[key] == nil {
            indexByKey[key] = target
            contacts[target]?.keys.append(key)
        }
        contacts[target]?.leads.append(lead)
    }

    private func leadCount(at index: Int) -> Int {
        contacts[index]?.leads.count ?? 0
    }

    private mutating func merge(_ source: Int, into target: Int) {
        guard let moved = contacts[source] else { return }
        contacts[source] = nil
        count -= 1
        for key in moved.keys {
            indexByKey[key] = target
        }
        contacts[target]?.keys.append(contentsOf: moved.keys)
        contacts[target]?.leads.append(contentsOf: moved.leads)
    }

    /// Writes the mapping file (SPEC §4), one contact a line, handing `write` chunks of about `chunkSize` bytes.
    func serialize(chunkSize: Int = 1 << 16, _ write: ([UInt8]) throws -> Void) rethrows {
        var output: [UInt8] = []
        output.reserveCapacity(chunkSize + 4096)
        output.append(contentsOf: "{\n  \"version\": 1,\n  \"contacts\": [".utf8)
        var first = true
        for contact in contacts {
            guard let contact else { continue }
            output.append(contentsOf: (first ? "\n    " : ",\n    ").utf8)
            first = false
            let json = JSONWriter.bytes { json in
                json.object { json in
                    json.member("keys", contact.keys)
                    json.member("leads") { json in
                        json.array { json in
                            for lead in contact.leads {
                                json.object { json in
                                    json.member("pearlId", lead.pearlId)
                                    json.member("leadId", lead.leadId)
                                }
                            }
                        }
                    }
                }
            }
            output.append(contentsOf: json)
            if output.count >= chunkSize {
                try write(output)
                output.removeAll(keepingCapacity: true)
            }
        }
        output.append(contentsOf: (first ? "]\n}\n" : "\n  ]\n}\n").utf8)
        try write(output)
    }
}
