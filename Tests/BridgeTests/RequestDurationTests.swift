import Testing

@testable import Bridge

@Suite struct RequestDurationTests {
    @Test(
        "The access log's duration_ms has one decimal, truncated",
        arguments: [
            (Duration.zero, "0.0"), (.microseconds(99), "0.0"), (.microseconds(2_450), "2.4"),
            (.microseconds(999_990), "999.9"), (.seconds(1.5), "1500.0"), (.seconds(61), "61000.0"),
        ])
    func millisecondsWithOneDecimal(duration: Duration, text: String) {
        #expect(AccessLog.milliseconds(duration) == text)
    }
}
