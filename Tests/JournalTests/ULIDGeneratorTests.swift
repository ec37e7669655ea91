import Testing

@testable import Journal

@Suite("ULIDs")
struct ULIDGeneratorTests {
    @Test("Encoding matches the ULID spec's example time prefix and the Crockford alphabet")
    func encoding() {
        // The spec's example 01ARYZ6S41TSV4RRFFQ69G5FAV has the time 1469918176385.
        #expect(
            ULIDGenerator.encode(time: 1_469_918_176_385, random: 0) == "01ARYZ6S41" + String(repeating: "0", count: 16)
        )
        #expect(
            ULIDGenerator.encode(time: 0, random: (1 << 80) - 1) == "0000000000" + String(repeating: "Z", count: 16))
        #expect(ULIDGenerator.encode(time: (1 << 48) - 1, random: 0).hasPrefix("7ZZZZZZZZZ"))
    }

    @Test("Ids of one millisecond, or of a clock that steps back, still increase")
    func monotonic() {
        let generator = ULIDGenerator()
        var ids = (0..<1000).map { _ in generator.next(milliseconds: 1_700_000_000_000) }
        ids.append(generator.next(milliseconds: 1_600_000_000_000))
        ids.append(generator.next(milliseconds: 1_700_000_000_001))
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 26 })
    }
}
