import Logging
import Testing

@testable import Bridge

@Suite struct AccessLogTests {
    /// The line written straight from its fields is, byte for byte after the timestamp, the one `Logger.log` writes.
    @Test func directLineIsTheLineLoggerLogWrites() throws {
        let direct = LogOutput.capturing()
        let generic = LogOutput.capturing()
        let path = "/hooks/x?q=\"é\\\u{7}"
        let access = AccessLog(logger: Logger(label: "test") { JSONLogHandler(label: $0, output: direct) })
        #expect(access.writesDirectly)
        access.record(method: "POST", path: path, status: 503, requestId: "req-1", duration: .microseconds(2_450))
        Logger(label: "test") { JSONLogHandler(label: $0, output: generic) }.log(
            level: .warning, "request",
            metadata: [
                "duration_ms": "2.4", "method": "POST", "path": .string(path), "request_id": "req-1", "status": "503",
            ])

        try #require(direct.captured.count == 1 && generic.captured.count == 1)
        #expect(Self.afterTimestamp(direct.captured[0]) == Self.afterTimestamp(generic.captured[0]))
        #expect(direct.captured[0].hasPrefix(#"{"ts":""#))
        #expect(Self.afterTimestamp(direct.captured[0]).hasPrefix(#","level":"warning","msg":"request","duration_ms""#))
    }

    /// The logger's level holds: below it, no line; a 5xx is a warning.
    @Test func theLevelDecidesWhichRequestsAreLogged() throws {
        let output = LogOutput.capturing()
        let access = AccessLog(
            logger: Logger(label: "test") { JSONLogHandler(label: $0, level: .warning, output: output) })
        access.record(method: "GET", path: "/healthz", status: 200, requestId: "req-ok", duration: .zero)
        access.record(method: "POST", path: "/v1/opt-outs", status: 503, requestId: "req-busy", duration: .zero)
        try #require(output.captured.count == 1)
        #expect(output.captured[0].contains(#""level":"warning""#))
        #expect(output.captured[0].contains(#""request_id":"req-busy""#))
    }

    /// A handler with metadata of its own, or writing text, gets the line through `Logger.log`, its metadata merged.
    @Test func otherHandlersGetTheLineThroughTheLogger() throws {
        let json = LogOutput.capturing()
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, output: json) }
        logger[metadataKey: "deployment"] = "eu"
        let merged = AccessLog(logger: logger)
        #expect(!merged.writesDirectly)
        merged.record(method: "GET", path: "/readyz", status: 200, requestId: "req-2", duration: .milliseconds(3))
        try #require(json.captured.count == 1)
        #expect(
            json.captured[0].hasSuffix(
                #""msg":"request","deployment":"eu","duration_ms":"3.0","method":"GET","path":"/readyz","#
                    + #""request_id":"req-2","status":"200"}"# + "\n"))

        let text = LogOutput.capturing()
        let people = AccessLog(
            logger: Logger(label: "test") { JSONLogHandler(label: $0, format: .text, output: text) })
        #expect(!people.writesDirectly)
        people.record(method: "GET", path: "/metrics", status: 200, requestId: "req-3", duration: .zero)
        try #require(text.captured.count == 1)
        #expect(
            text.captured[0].hasSuffix(
                " INFO request duration_ms=0.0 method=GET path=/metrics request_id=req-3 status=200\n"))
    }

    /// What follows `"ts":"…"`: the rest of the line, which does not depend on the clock.
    private static func afterTimestamp(_ line: String) -> Substring {
        guard let end = line.firstRange(of: #"Z""#)?.upperBound else { return line[...] }
        return line[end...]
    }
}
