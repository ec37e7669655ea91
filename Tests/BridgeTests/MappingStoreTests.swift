import Foundation
import Logging
import Synchronization
import Testing

@testable import Bridge

@Suite struct MappingStoreTests {
    private static func nice() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    /// A reload of a million contacts takes seconds of a core; at the lowest priority it yields to requests.
    @Test func reloadsRunAtTheLowestPriorityAndLeaveTheCallerAlone() async throws {
        let before = Self.nice()
        let inside = await OffPool.run { Self.nice() }
        #expect(inside == 19)
        #expect(Self.nice() == before)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await OffPool.run { () throws -> Int in throw Refused() } }
    }

    /// `serve` sets it before the first load; without it, the tables a reload frees stay resident (``MemoryPolicy``).
    @Test func glibcTakesTheMemoryPolicy() {
        #expect(MemoryPolicy.returnLargeAllocationsToTheSystem())
    }

    @Test func aReloadOffThePoolTakesTheNewFileAndSkipsAnUnchangedOne() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mapping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("mapping.json")
        func write(_ contacts: Int) throws {
            let entries = (0..<contacts).map {
                #"{"keys":["email:c\#($0)@example.com"],"leads":[{"pearlId":"p","leadId":"l\#($0)"}]}"#
            }
            let text = #"{"version":1,"contacts":["# + entries.joined(separator: ",") + "]}"
            // A new inode, as editors and ConfigMaps replace files.
            let temporary = directory.appendingPathComponent("next.json")
            try Data(text.utf8).write(to: temporary)
            #expect(rename(temporary.path, file.path) == 0)
        }
        try write(2)
        let store = MappingStore(
            file: file.path, defaultCountryCode: nil, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            metrics: BridgeMetrics())
        await store.reloadOffPool()
        #expect(store.status.contacts == 2)
        let loadedAt = store.status.loadedAt
        await store.reloadOffPool(onlyIfChanged: true)
        #expect(store.status.loadedAt == loadedAt)
        try write(3)
        await store.reloadOffPool(onlyIfChanged: true)
        #expect(store.status.contacts == 3)
        #expect(store.current.statistics.contacts == 3)
    }
}
