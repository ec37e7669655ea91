import FakeNLPearl
import Foundation
import Journal
import TestSupport
import Testing

/// `optout-bridge mapping sync`: the campaigns' leads become a mapping file that `check` and `lookup` read; and the
/// other commands that meet the campaigns.
@Suite("MappingSync") struct MappingSyncTests {
    static let campaignA = "6720c0f8e4b0a1b2c3d4e5f6"
    static let campaignB = "6720c0f8e4b0a1b2c3d4e5f7"
    static let token = "acct:secret"

    /// A folder with the harness's configuration and mapping, reading `pearlIds` from `fake`.
    private func workspace(fake: FakeNLPearl, pearlIds: [String] = [campaignA, campaignB]) throws -> URL {
        let directory = try makeTemporaryDirectory("mapping-sync")
        try defaultMapping.write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        try writeConfiguration(
            in: directory, nlpearlURL: fake.baseURL,
            overrides: ["campaigns": ["pearlIds": pearlIds, "externalIdNamespace": "hubspot"]])
        return directory
    }

    private func run(_ arguments: [String], in directory: URL) async throws -> BridgeExecutable.Result {
        let configuration = directory.appendingPathComponent("optout-bridge.json").path
        return try await BridgeExecutable.run(
            arguments + ["--config", configuration], environment: ["NLPEARL_API_TOKEN": Self.token])
    }

    @Test func syncMergesEachPersonsLeadsIntoAMappingThatCheckAndLookupRead() async throws {
        let fake = FakeNLPearl(token: Self.token)
        try fake.start()
        let directory = try workspace(fake: fake)
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try fake.addLeads(
            [
                .init(phoneNumber: "+15551234567", externalId: "1246965"),
                .init(phoneNumber: "+15559876543", externalId: "77"),
                // E.164 to NLPearl, too short to be a phone number to the bridge.
                .init(phoneNumber: "+123"),
            ], to: Self.campaignA)
        let b = try fake.addLeads(
            [
                .init(phoneNumber: "+15551234567"),
                .init(phoneNumber: "+15550000001", externalId: "77"),
                .init(phoneNumber: "+15557654321"),
            ], to: Self.campaignB)

        let sync = try await run(["mapping", "sync"], in: directory)
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(
            sync.stderr.contains("mapping sync: 2 campaigns, 6 leads read, 3 contacts written to"), "\(sync.stderr)")
        #expect(sync.stderr.contains("leads skipped: 1 (1 with a phone number that does not normalise)"))
        #expect(!sync.stderr.contains("\r"), "no progress line without a terminal")

        let mapping = try String(contentsOf: directory.appendingPathComponent("mapping.json"), encoding: .utf8)
        #expect(!mapping.contains("lead-jane"), "the file was replaced")
        let check = try await run(["check"], in: directory)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains(": 3 contacts, 6 keys, 5 leads, 2 pearlIds"), "\(check.stdout)")
        #expect(!check.stdout.contains("warning"), "\(check.stdout)")

        let lookup = try await run(
            ["lookup", "phone:+1 (555) 123-4567", "hubspot:77", "phone:+15557654321"], in: directory)
        #expect(lookup.status == 0, "\(lookup.stderr)")
        let lines = Set(lookup.stdout.split(separator: "\n").map(String.init))
        #expect(
            lines == [
                "phone:+15551234567\t\(Self.campaignA)\t\(a[0])", "phone:+15551234567\t\(Self.campaignB)\t\(b[0])",
                "hubspot:77\t\(Self.campaignA)\t\(a[1])", "hubspot:77\t\(Self.campaignB)\t\(b[1])",
                "phone:+15557654321\t\(Self.campaignB)\t\(b[2])",
            ], "\(lookup.stdout)")
        await fake.stop()
    }

    @Test func aFailureOfNLPearlLeavesTheExistingFileAsItWasAndExits2() async throws {
        let fake = FakeNLPearl(token: Self.token)
        try fake.start()
        let directory = try workspace(fake: fake)
        defer { try? FileManager.default.removeItem(at: directory) }
        try fake.addLeads([.init(phoneNumber: "+15551234567")], to: Self.campaignA)
        try fake.addLeads([.init(phoneNumber: "+15557654321")], to: Self.campaignB)
        // The first campaign is read whole; the second fails, after leads were already gathered.
        fake.behaviour = .script([.succeed, .status(500, retryAfter: nil)])

        let sync = try await run(["mapping", "sync"], in: directory)
        #expect(sync.status == 2, "\(sync.stderr)")
        #expect(sync.stderr.contains("campaign \(Self.campaignB)"), "\(sync.stderr)")
        #expect(sync.stderr.contains("500"), "\(sync.stderr)")
        #expect(!sync.stderr.contains("secret"))
        let mapping = try String(contentsOf: directory.appendingPathComponent("mapping.json"), encoding: .utf8)
        #expect(mapping == defaultMapping)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(Set(files) == ["mapping.json", "optout-bridge.json"], "no temporary file is left")
        await fake.stop()
    }

    @Test func syncWritesTheFileNamedByOutAndNoOther() async throws {
        let fake = FakeNLPearl(token: Self.token)
        try fake.start()
        let directory = try workspace(fake: fake, pearlIds: [Self.campaignA])
        defer { try? FileManager.default.removeItem(at: directory) }
        let ids = try fake.addLeads([.init(phoneNumber: "+15551234567")], to: Self.campaignA)
        let out = directory.appendingPathComponent("synced.json").path

        let sync = try await run(["mapping", "sync", "--out", out], in: directory)
        #expect(sync.status == 0, "\(sync.stderr)")
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.contains(#"{"keys":["phone:+15551234567"],"leads":[{"pearlId":"\#(Self.campaignA)""#))
        #expect(written.contains(ids[0]))
        let mapping = try String(contentsOf: directory.appendingPathComponent("mapping.json"), encoding: .utf8)
        #expect(mapping == defaultMapping)
        await fake.stop()
    }

    @Test func syncRefusesWithoutPearlIdsOrWithoutAToken() async throws {
        let fake = FakeNLPearl(token: Self.token)
        try fake.start()
        let empty = try workspace(fake: fake, pearlIds: [])
        defer { try? FileManager.default.removeItem(at: empty) }
        let withoutPearlIds = try await run(["mapping", "sync"], in: empty)
        #expect(withoutPearlIds.status == 1)
        #expect(withoutPearlIds.stderr.contains("campaigns.pearlIds is empty"), "\(withoutPearlIds.stderr)")

        let listed = try workspace(fake: fake)
        defer { try? FileManager.default.removeItem(at: listed) }
        let withoutToken = try await BridgeExecutable.run(
            ["mapping", "sync", "--config", listed.appendingPathComponent("optout-bridge.json").path],
            removing: ["NLPEARL_API_TOKEN"])
        #expect(withoutToken.status == 1)
        #expect(withoutToken.stderr.contains("no NLPearl token"), "\(withoutToken.stderr)")
        #expect(fake.calls.isEmpty)
        let mapping = try String(contentsOf: listed.appendingPathComponent("mapping.json"), encoding: .utf8)
        #expect(mapping == defaultMapping)
        await fake.stop()
    }

    @Test func anImportedKeyIsSearchedInTheCampaignsLikeAnyOptOut() async throws {
        let fake = FakeNLPearl(token: Self.token)
        try fake.start()
        let directory = try workspace(fake: fake)
        defer { try? FileManager.default.removeItem(at: directory) }
        let list = directory.appendingPathComponent("dnc.txt")
        try "phone:+15551234567\nhubspot:1246965\nemail:zoe@example.com\n".write(
            to: list, atomically: true, encoding: .utf8)

        let imported = try await run(["suppression", "import", list.path], in: directory)
        #expect(imported.status == 0, "\(imported.stderr)")
        let journal = try Journal(path: directory.appendingPathComponent("journal.sqlite").path)
        let searches = try await journal.pendingLeads().filter { $0.kind == .search }
        // The phone and the HubSpot id in both campaigns; an email cannot be searched for.
        #expect(
            Set(searches.map { "\($0.lead.pearlId) \($0.lead.leadId)" }) == [
                "\(Self.campaignA) phone:+15551234567", "\(Self.campaignB) phone:+15551234567",
                "\(Self.campaignA) hubspot:1246965", "\(Self.campaignB) hubspot:1246965",
            ])
        #expect(fake.calls.isEmpty, "the import calls nothing; serve makes the searches")
        await fake.stop()
    }
}
