import Foundation
import TestSupport
import Testing

@testable import FakeNLPearl

@Suite("The fake's lead store, without sockets")
struct LeadStoreTests {
    static func newLeads(_ count: Int, from first: Int = 0) -> [FakeNLPearl.NewLead] {
        (first..<(first + count)).map { index in
            FakeNLPearl.NewLead(phoneNumber: "+1" + String(1_000_000_000 + index), externalId: "crm-\(index)")
        }
    }

    @Test("paging without filters finds the n-th living lead after deletes, before and after compaction")
    func pagingAfterDeletes() {
        var store = LeadStore()
        let ids = store.add(Self.newLeads(5_000), to: "P", now: Date()).map(\.hex)
        func expectPages(_ living: [String]) {
            #expect(store.count(in: "P") == living.count)
            for skip in [0, 1, 99, 1_000, living.count - 50, living.count - 1, living.count, living.count + 7] {
                let search = FakeNLPearl.LeadSearch(skip: skip, limit: 100)
                let result = store.search(search, in: "P")
                #expect(result.count == living.count)
                #expect(result.page.map(\.id.hex) == Array(living.dropFirst(skip).prefix(100)), "skip \(skip)")
            }
        }
        expectPages(ids)
        // A third dead: kept in place and skipped by the tree.
        store.remove(ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), from: "P")
        expectPages(ids.enumerated().filter { $0.offset % 3 != 0 }.map(\.element))
        // Most dead: compacted away, order kept.
        store.remove(ids.enumerated().filter { $0.offset % 3 == 1 }.map(\.element), from: "P")
        let living = ids.enumerated().filter { $0.offset % 3 == 2 }.map(\.element)
        expectPages(living)
        #expect(store.leads(in: "P").map(\.id.hex) == living)
        // Leads added after compaction come last.
        let later = store.add(Self.newLeads(3, from: 9_000), to: "P", now: Date()).map(\.hex)
        expectPages(living + later)
        #expect(store.lead(ids[0], in: "P") == nil && store.lead(later[0], in: "P")?.externalId == "crm-9000")
    }

    @Test("filters scan, and count counts the matches before paging")
    func filteredSearch() {
        var store = LeadStore()
        let ids = store.add(Self.newLeads(300), to: "P", now: Date()).map(\.hex)
        #expect(store.setStatus(100, of: ids[10], in: "P") && store.setStatus(100, of: ids[20], in: "P"))
        let done = store.search(.init(skip: 1, limit: 10, statuses: [100]), in: "P")
        #expect(done.count == 2 && done.page.map(\.id.hex) == [ids[20]])
        // "crm-1" is in crm-1, crm-10..19 and crm-100..199: 111 leads.
        let ones = store.search(.init(skip: 0, limit: 100, searchInput: "CRM-1"), in: "P")
        #expect(ones.count == 111 && ones.page.count == 100)
        #expect(store.search(.init(limit: 5, searchInput: "+11000000299"), in: "P").page.map(\.id.hex) == [ids[299]])
    }

    @Test("ids are 24 hex digits that parse back, unique per store")
    func ids() {
        var store = LeadStore()
        let ids = store.add(Self.newLeads(1_000), to: "P", now: Date())
        #expect(Set(ids).count == 1_000)
        for id in ids.prefix(10) {
            #expect(id.hex.count == 24 && LeadID(hex: id.hex) == id && LeadID(hex: id.hex.uppercased()) == id)
        }
        #expect(LeadID(hex: "L1") == nil && LeadID(hex: String(repeating: "g", count: 24)) == nil)
    }

    @Test(
        "created is written as the reference's example writes it",
        arguments: [
            (0, "1970-01-01T00:00:00Z"), (1_700_000_000, "2023-11-14T22:13:20Z"), (951_782_400, "2000-02-29T00:00:00Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"), (-1, "1969-12-31T23:59:59Z"),
        ] as [(Int64, String)])
    func createdText(seconds: Int64, text: String) {
        #expect(StoredLead.iso8601(seconds) == text)
    }

    @Test("Search Leads, Get Lead and Add Lead answer their members in the reference's order")
    func answerText() throws {
        let id = try #require(LeadID(hex: "0123456789abcdef01234567"))
        let bare = StoredLead(
            id: id, phoneNumber: "+15551234567", externalId: nil, callData: nil, created: 0, status: 1, isLive: true)
        let full = StoredLead(
            id: id, phoneNumber: "+15551234568", externalId: "crm-\"7\"", callData: ["b": "2", "a": "\u{1}é"],
            created: 1_700_000_000, status: 100, isLive: true)
        let bareView =
            #"{"id":"0123456789abcdef01234567","externalId":null,"phoneNumber":"+15551234567","timeZone":null,"#
            + #""status":1,"created":"1970-01-01T00:00:00Z","callData":null}"#
        let fullView =
            #"{"id":"0123456789abcdef01234567","externalId":"crm-\"7\"","phoneNumber":"+15551234568","timeZone":null,"#
            + #""status":100,"created":"2023-11-14T22:13:20Z","callData":{"a":"\u0001é","b":"2"}}"#
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        #expect(
            text(StoredLead.searchAnswer(count: 7, page: [bare, full])) == #"{"count":7,"results":["#
                + bareView + "," + fullView + "]}")
        #expect(text(StoredLead.searchAnswer(count: 0, page: [])) == #"{"count":0,"results":[]}"#)
        #expect(
            text(full.getView)
                == fullView.dropLast() + #","callsId":[],"lastCall":null,"collectedData":null}"#)
        #expect(text(StoredLead.addAnswer(id)) == #"{"leadId":"0123456789abcdef01234567"}"#)
    }

    #if os(Linux)
        @Test("a million leads fit in well under 1 GiB, and their last page is found without a scan")
        func millionLeads() async throws {
            let fake = FakeNLPearl()
            let before = try Self.residentBytes()
            // Seconds of work in a debug build: on a thread of its own, so that the parallel run's other tests keep
            // the cooperative pool.
            let leads = try await blocking { Self.newLeads(1_000_000) }
            let ids = try await blocking { try fake.addLeads(leads, to: "P") }
            let grown = try Self.residentBytes() - before
            #expect(ids.count == 1_000_000 && fake.leadCount(in: "P") == 1_000_000)
            // Some 120 MB of store, plus the seed and the returned ids still held here.
            #expect(grown < 512 << 20, "resident set grew by \(grown >> 20) MiB")
            let clock = ContinuousClock()
            let start = clock.now
            let last = fake.core.state.withLock { $0.leads.search(.init(skip: 999_950, limit: 100), in: "P") }
            #expect(last.count == 1_000_000 && last.page.map(\.id.hex) == Array(ids.suffix(50)))
            #expect(clock.now - start < .seconds(5))
            withExtendedLifetime(leads) {}
        }

        /// The process's resident set, from `/proc/self/statm`.
        static func residentBytes() throws -> Int {
            let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
            let pages = try #require(statm.split(separator: " ").dropFirst().first.flatMap { Int($0) })
            return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        }
    #endif
}
