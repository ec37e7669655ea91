import Foundation
import OptOutCore
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test(
        "Dates format as ISO-8601 UTC with milliseconds",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (1_732_845_187_123, "2024-11-29T01:53:07.123Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ])
    func format(_ milliseconds: Int64, _ text: String) {
        #expect(Timestamp.iso8601(milliseconds: milliseconds) == text)
        #expect(Timestamp.parseISO8601(text).map(Timestamp.milliseconds) == milliseconds)
    }

    @Test(
        "ISO-8601 text parses with offsets and fractions",
        arguments: [
            ("2024-11-29T01:53:07Z", Int64(1_732_845_187_000)),
            ("2024-11-29T02:53:07.5+01:00", 1_732_845_187_500),
            ("2024-11-28T20:53:07.123456-05:00", 1_732_845_187_123),
        ])
    func parse(_ text: String, _ milliseconds: Int64) {
        #expect(Timestamp.parseISO8601(text).map(Timestamp.milliseconds) == milliseconds)
    }

    @Test(
        "Malformed ISO-8601 text is refused",
        arguments: [
            "", "2024-11-29", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-11-29T01:53:07",
            "2024-11-29T01:53:07.Z", "2024-11-29T25:00:00Z", "2024-11-29T01:53:07+0100",
        ])
    func refuse(_ text: String) {
        #expect(Timestamp.parseISO8601(text) == nil)
    }

    @Test("Storage keeps whole milliseconds, and they survive the trip through Date")
    func truncation() {
        let date = Date(timeIntervalSince1970: 1.2344)
        #expect(Timestamp.milliseconds(date) == 1234)
        #expect(Timestamp.truncated(date) == Timestamp.date(1234))
        for milliseconds in stride(from: Int64(-5000), through: 5000, by: 1) {
            #expect(Timestamp.milliseconds(Timestamp.date(milliseconds)) == milliseconds)
        }
    }
}
