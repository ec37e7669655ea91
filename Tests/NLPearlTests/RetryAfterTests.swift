import Testing

@testable import NLPearl

@Suite("Retry-After values")
struct RetryAfterTests {
    /// 1994-11-06T08:49:37Z, the example date of RFC 9110.
    static let exampleDate: Int64 = 784_111_777

    @Test(
        "the three HTTP-date forms of RFC 9110 read as the same instant",
        arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"]
    )
    func httpDateForms(text: String) {
        #expect(RetryAfter.httpDate(Substring(text)) == Self.exampleDate)
    }

    @Test("delta-seconds read as a delay", arguments: [("0", 0), ("5", 5), (" 120 ", 120), ("86400", 86_400)])
    func deltaSeconds(text: String, seconds: Int64) {
        #expect(RetryAfter.parse(Substring(text), now: 0) == .seconds(seconds))
    }

    @Test("a date is a delay from now; a past date is no delay")
    func dateIsRelativeToNow() {
        let now = Double(Self.exampleDate) - 90
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .seconds(90))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now + 1000) == .zero)
    }

    @Test(
        "anything else is no value",
        arguments: [
            "", " ", "-5", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 CET", "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "06 Nov 1994 08:49:37 GMT",
        ]
    )
    func invalidValues(text: String) {
        #expect(RetryAfter.parse(Substring(text), now: 0) == nil)
    }

    @Test("a huge delta saturates instead of overflowing")
    func hugeDelta() {
        let delay = RetryAfter.parse("99999999999999999999999", now: 0)
        #expect(delay != nil && delay! > .seconds(1_000_000_000))
    }

    @Test(
        "days since 1970 match known dates",
        arguments: [
            (1970, 1, 1, Int64(0)), (2000, 3, 1, Int64(11_017)), (2024, 2, 29, Int64(19_782)),
            (1969, 12, 31, Int64(-1)),
        ])
    func civilDays(year: Int, month: Int, day: Int, days: Int64) {
        #expect(RetryAfter.daysSince1970(year: year, month: month, day: day) == days)
    }
}
