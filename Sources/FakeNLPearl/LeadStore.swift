import JSON

import struct Foundation.Date

/// The fake's leads, per campaign: what Add Lead and Add Leads add, Search Leads and Get Lead read and a delete
/// removes.
///
/// Built for a million leads in a test: a lead takes some 80 bytes plus its index entry, ids are two integers
/// rather than strings, a delete marks leads dead in place (compacting once the dead outnumber the living), and a
/// Fenwick tree of the living finds the n-th lead, so that paging without filters costs a page, not a scan.
/// A search with `statuses`, `searchInput` or `sortProp` scans the campaign.
struct LeadStore: Sendable {
    private var campaigns: [String: CampaignLeads] = [:]
    private var nextSerial: UInt64 = 0
    /// The middle of every id, drawn once: ids of two fakes differ, as ObjectIds of two servers do.
    private let instance = UInt64.random(in: 0..<(1 << 24))

    /// Adds leads to the end of a campaign, in order, and returns their ids.
    mutating func add(_ leads: [FakeNLPearl.NewLead], to campaign: String, now: Date) -> [LeadID] {
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        var ids: [LeadID] = []
        ids.reserveCapacity(leads.count)
        // Taken out of the dictionary, so that appending neither hashes the campaign per lead nor copies it.
        var stored = campaigns.removeValue(forKey: campaign) ?? CampaignLeads()
        defer { campaigns[campaign] = stored }
        stored.reserve(leads.count)
        for lead in leads {
            let created = lead.created.map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? nowSeconds
            let id = LeadID(
                high: UInt32(truncatingIfNeeded: max(0, created)),
                low: instance << 40 | (nextSerial & (1 << 40 - 1))
            )
            nextSerial += 1
            stored.append(
                StoredLead(
                    id: id, phoneNumber: lead.phoneNumber, externalId: lead.externalId, callData: lead.callData,
                    created: created, status: Int16(lead.status), isLive: true
                ))
            ids.append(id)
        }
        return ids
    }

    /// Removes the leads of these ids from a campaign; ids it does not hold are passed over.
    mutating func remove(_ ids: some Sequence<String>, from campaign: String) {
        guard campaigns[campaign] != nil else { return }
        for text in ids {
            guard let id = LeadID(hex: text) else { continue }
            campaigns[campaign]!.remove(id)
        }
        campaigns[campaign]!.compactIfSparse()
    }

    /// Sets the status of one lead; false when the campaign holds no such lead.
    mutating func setStatus(_ status: Int, of id: String, in campaign: String) -> Bool {
        guard let id = LeadID(hex: id), campaigns[campaign] != nil else { return false }
        return campaigns[campaign]!.setStatus(Int16(status), of: id)
    }

    /// Every living lead of a campaign, in the order they were added.
    func leads(in campaign: String) -> [StoredLead] {
        campaigns[campaign]?.living ?? []
    }

    /// How many living leads a campaign holds.
    func count(in campaign: String) -> Int {
        campaigns[campaign]?.liveCount ?? 0
    }

    /// One living lead; nil for an id the campaign does not hold.
    func lead(_ id: String, in campaign: String) -> StoredLead? {
        guard let id = LeadID(hex: id) else { return nil }
        return campaigns[campaign]?.lead(id)
    }

    /// The page of a search, and the number of matches before paging.
    func search(_ search: FakeNLPearl.LeadSearch, in campaign: String) -> (count: Int, page: [StoredLead]) {
        campaigns[campaign]?.search(search) ?? (0, [])
    }
}

/// A lead's id: the 12 bytes of an ObjectId, written as 24 hexadecimal digits.
struct LeadID: Sendable, Hashable {
    var high: UInt32
    var low: UInt64

    /// 24 lowercase hexadecimal digits.
    var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 24)
        for index in 0..<8 { out[index] = digits[Int(high >> (28 - 4 * UInt32(index)) & 0xF)] }
        for index in 0..<16 { out[8 + index] = digits[Int(low >> (60 - 4 * UInt64(index)) & 0xF)] }
        return String(decoding: out, as: UTF8.self)
    }

    init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses 24 hexadecimal digits, in either letter case; nil for anything else.
    init?(hex: some StringProtocol) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 24 else { return nil }
        var high: UInt32 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            guard let value = hexDigitValue(byte) else { return nil }
            if index < 8 { high = high << 4 | UInt32(value) } else { low = low << 4 | UInt64(value) }
        }
        self.init(high: high, low: low)
    }

    /// Whether a text is an ObjectId: 24 hexadecimal digits.
    static func isObjectId(_ text: some StringProtocol) -> Bool {
        LeadID(hex: text) != nil
    }
}

/// One lead as the store keeps it: small, with the created time in seconds.
struct StoredLead: Sendable, Hashable {
    var id: LeadID
    var phoneNumber: String
    var externalId: String?
    var callData: [String: String]?
    var created: Int64
    var status: Int16
    var isLive: Bool

    /// The lead as the public API shows it.
    var view: FakeNLPearl.Lead {
        FakeNLPearl.Lead(
            id: id.hex, phoneNumber: phoneNumber, externalId: externalId, status: Int(status),
            created: Date(timeIntervalSince1970: Double(created)), callData: callData
        )
    }

    /// The value of a `sortProp`, for sorting.
    fileprivate func precedes(_ other: StoredLead, by property: String) -> Bool? {
        switch property {
        case "id": return id.high != other.id.high ? id.high < other.id.high : id.low < other.id.low
        case "externalId":
            return externalId == other.externalId ? nil : (externalId ?? "") < (other.externalId ?? "")
        case "phoneNumber": return phoneNumber == other.phoneNumber ? nil : phoneNumber < other.phoneNumber
        case "status": return status == other.status ? nil : status < other.status
        case "created": return created == other.created ? nil : created < other.created
        default: return nil
        }
    }

    /// Whether the phone number or the external id contains `needle` (lowercase ASCII), ignoring ASCII case.
    fileprivate func matches(_ needle: [UInt8]) -> Bool {
        Self.contains(phoneNumber, needle) || externalId.map { Self.contains($0, needle) } == true
    }

    private static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) {
                var index = 0
                while index < needle.count, lowercased(bytes[start + index]) == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            return false
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}

/// The leads of one campaign.
private struct CampaignLeads: Sendable {
    /// Every lead added and not yet compacted away, dead ones included, in the order they were added.
    private var leads: [StoredLead] = []
    private var positions: [LeadID: Int32] = [:]
    private var live = FenwickTree()
    private(set) var liveCount = 0

    mutating func reserve(_ extra: Int) {
        leads.reserveCapacity(leads.count + extra)
        positions.reserveCapacity(positions.count + extra)
        live.reserve(extra)
    }

    mutating func append(_ lead: StoredLead) {
        positions[lead.id] = Int32(leads.count)
        leads.append(lead)
        live.append(1)
        liveCount += 1
    }

    mutating func remove(_ id: LeadID) {
        guard let position = positions.removeValue(forKey: id).map(Int.init) else { return }
        leads[position].isLive = false
        live.add(-1, at: position)
        liveCount -= 1
    }

    mutating func setStatus(_ status: Int16, of id: LeadID) -> Bool {
        guard let position = positions[id].map(Int.init) else { return false }
        leads[position].status = status
        return true
    }

    func lead(_ id: LeadID) -> StoredLead? {
        positions[id].map { leads[Int($0)] }
    }

    var living: [StoredLead] { leads.filter(\.isLive) }

    /// Drops dead leads once they outnumber the living, so that a campaign emptied by deletes shrinks.
    mutating func compactIfSparse() {
        let dead = leads.count - liveCount
        guard dead > 1024, dead > liveCount else { return }
        let kept = living
        self = CampaignLeads()
        reserve(kept.count)
        for lead in kept { append(lead) }
    }

    func search(_ search: FakeNLPearl.LeadSearch) -> (count: Int, page: [StoredLead]) {
        let filtered = search.statuses != nil || search.searchInput != nil
        if !filtered, search.sortProp == nil {
            guard search.skip < liveCount, var position = live.position(ofRank: search.skip) else {
                return (liveCount, [])
            }
            var page: [StoredLead] = []
            page.reserveCapacity(min(search.limit, liveCount - search.skip))
            while page.count < search.limit, position < leads.count {
                if leads[position].isLive { page.append(leads[position]) }
                position += 1
            }
            return (liveCount, page)
        }
        let needle = search.searchInput.map { Array($0.utf8).map(StoredLead.lowercased) }
        let statuses = search.statuses
        func isMatch(_ lead: StoredLead) -> Bool {
            guard lead.isLive else { return false }
            if let statuses, !statuses.contains(Int(lead.status)) { return false }
            if let needle, !lead.matches(needle) { return false }
            return true
        }
        if let property = search.sortProp {
            var matches = leads.indices.filter { isMatch(leads[$0]) }
            matches.sort { left, right in
                let ordered =
                    search.isAscending
                    ? leads[left].precedes(leads[right], by: property)
                    : leads[right].precedes(leads[left], by: property)
                return ordered ?? (left < right)
            }
            let page = matches.dropFirst(search.skip).prefix(search.limit).map { leads[$0] }
            return (matches.count, Array(page))
        }
        var count = 0
        var page: [StoredLead] = []
        for lead in leads where isMatch(lead) {
            if count >= search.skip, page.count < search.limit { page.append(lead) }
            count += 1
        }
        return (count, page)
    }
}

/// Counts of living leads by position, to find the n-th living lead in O(log n).
private struct FenwickTree: Sendable {
    /// One-based: `tree[i]` sums the `i & -i` positions that end at position `i - 1`.
    private var tree: [Int32] = [0]

    mutating func reserve(_ extra: Int) {
        tree.reserveCapacity(tree.count + extra)
    }

    /// Adds a position at the end, holding `value`.
    mutating func append(_ value: Int32) {
        let index = tree.count
        tree.append(value + prefix(index - 1) - prefix(index - (index & -index)))
    }

    /// Adds `delta` to the value at a zero-based position.
    mutating func add(_ delta: Int32, at position: Int) {
        var index = position + 1
        while index < tree.count {
            tree[index] += delta
            index += index & -index
        }
    }

    /// The zero-based position of the living lead of zero-based rank `rank`; nil when there are no more.
    func position(ofRank rank: Int) -> Int? {
        let size = tree.count - 1
        guard size > 0 else { return nil }
        var position = 0
        var remaining = Int32(clamping: rank)
        var step = 1 << (Int.bitWidth - 1 - size.leadingZeroBitCount)
        while step > 0 {
            let next = position + step
            if next <= size, tree[next] <= remaining {
                position = next
                remaining -= tree[next]
            }
            step >>= 1
        }
        return position < size ? position : nil
    }

    /// The sum of the first `count` positions.
    private func prefix(_ count: Int) -> Int32 {
        var index = count
        var sum: Int32 = 0
        while index > 0 {
            sum += tree[index]
            index &= index - 1
        }
        return sum
    }
}
