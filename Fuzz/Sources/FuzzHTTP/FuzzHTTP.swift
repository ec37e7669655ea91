// libFuzzer target: the HTTP request path end to end. Each input is written as raw bytes to a real `BridgeService`
// listening on 127.0.0.1 (libmicrohttpd, MicroHTTP, the router, every endpoint, the senders, the journal), started once
// per process with a real mapping file, a real SQLite journal in a temporary folder, every sender type of
// examples/senders/optout-bridge.senders.json and an in-process FakeNLPearl that the dispatcher deletes leads from.
//
// Per input: connect, write the bytes, shut down the writing half, and read until the server closes. When the bytes
// are whole requests by a strict reading of HTTP/1.1 framing (`wholeRequests`), a server that neither answers nor
// closes within FUZZ_HTTP_DEADLINE seconds (5 by default) is a hang: the run aborts, so libFuzzer keeps the input.
// Otherwise the server may rightly be waiting for the rest of a request: libmicrohttpd 0.9.75 does not notice that
// the client shut down its writing half and keeps such a connection until the idle timeout (30 s), so the harness
// reads only until the answer stops for FUZZ_HTTP_PARTIAL_WAIT seconds (0.05 by default). Whatever comes back must be
// HTTP/1.x.
//
// An input whose first byte is 0x01 is framed: the rest is a head and a body split at the first CRLF CRLF, and the
// head's Content-Length is set to the body's length, so that mutated bodies still reach the endpoints whole. Any
// other input goes on the wire as it is.
import Bridge
import Config
import FakeNLPearl
import Foundation
import FuzzSupport
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The service under test, started once.
struct Server: Sendable {
    /// Kept for the life of the process: libFuzzer exits without unwinding, and the temporary folder, named after
    /// the process, is left for the system's cleanup.
    let service: BridgeService
    let fake: FakeNLPearl
    let port: Int
    let deadline: Double
    let partialWait: Double

    static let apiToken = "fuzz-api-token"

    static let shared: Server = {
        do {
            return try start()
        } catch {
            fail("cannot start the bridge: \(error)")
        }
    }()

    /// The mapping: the contacts of the fixtures and examples, each with one lead.
    static let mapping = """
        {"version": 1, "contacts": [
          {"keys": ["email:jane.doe@example.com", "phone:+1 (555) 123-4567", "hubspot:1246965"],
           "leads": [{"pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-jane"}]},
          {"keys": ["email:john@example.com", "salesforce:003D000000QV9n2IAD", "zoho:4876876000000624001"],
           "leads": [{"pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-john-1"},
                     {"pearlId": "6720c0f8e4b0a1b2c3d4e5f7", "leadId": "lead-john-2"}]}
        ]}
        """

    static func start() throws -> Server {
        let environment = ProcessInfo.processInfo.environment
        let root =
            environment["FUZZ_REPO_ROOT"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let examples = root + "/examples/senders"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-http-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try mapping.write(to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)

        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()

        // Every sender of the examples, its `file:` keys made absolute.
        let example =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: examples + "/optout-bridge.senders.json")))
            as? [String: Any]
        let senders = (example?["senders"] as? [[String: Any]] ?? []).map { sender in
            sender.mapValues { value -> Any in
                guard let text = value as? String, text.hasPrefix("file:"), !text.hasPrefix("file:/") else {
                    return value
                }
                return "file:" + examples + "/" + text.dropFirst(5)
            }
        }
        let configuration: [String: Any] = [
            "listen": ["host": "127.0.0.1", "port": 0, "threads": 2],
            "nlpearl": ["baseURL": fake.baseURL, "token": "env:NLPEARL_API_TOKEN", "timeoutSeconds": 5],
            "mapping": ["file": "mapping.json", "reloadIntervalSeconds": 5, "defaultCountryCode": "+1"],
            "journal": ["file": "journal.sqlite"],
            "delivery": [
                "ackMode": "durable", "syncWaitMilliseconds": 1000,
                "retry": ["initialSeconds": 1, "maxSeconds": 2, "giveUpAfterHours": 1],
            ],
            "api": ["tokens": [apiToken]],
            "senders": senders,
        ]
        let file = directory.appendingPathComponent("optout-bridge.json")
        try JSONSerialization.data(withJSONObject: configuration, options: [.sortedKeys]).write(to: file)
        let (loaded, _) = try BridgeConfiguration.load(
            file: file.path, environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        // JSON logs on standard output (run.sh discards it), so that the log handler's escaping is fuzzed too.
        let logger = Logger(label: "fuzz") { label in JSONLogHandler(label: label, level: .info) }
        let service = try BridgeService(configuration: loaded, logger: logger)

        let started = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task.detached {
            do {
                try await service.start()
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            started.signal()
        }
        started.wait()
        if let message = failure.withLock({ $0 }) { fail("the bridge did not start: \(message)") }
        return Server(
            service: service, fake: fake, port: service.port,
            deadline: Double(environment["FUZZ_HTTP_DEADLINE"] ?? "") ?? 5,
            partialWait: Double(environment["FUZZ_HTTP_PARTIAL_WAIT"] ?? "") ?? 0.05)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let server = Server.shared
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.first == 0x01 {
        bytes = framed(bytes.dropFirst())
    }
    let whole = wholeRequests(bytes)
    let response = exchange(
        bytes, port: server.port, deadline: server.deadline, quiet: whole ? nil : server.partialWait)
    if !response.isEmpty {
        check(response.starts(with: Array("HTTP/1.".utf8)), "the server answered something that is not HTTP/1.x")
    }
    return 0
}

/// Head and body with `Content-Length` set to the body's length (and no `Transfer-Encoding`).
func framed(_ input: ArraySlice<UInt8>) -> [UInt8] {
    let separator: [UInt8] = [13, 10, 13, 10]
    let split = input.indices.first { input[$0...].starts(with: separator) }
    let head = split.map { input[..<$0] } ?? input
    let body = split.map { input[($0 + 4)...] } ?? []
    var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line in
        line.last == 13 ? line.dropLast() : line
    }
    lines.removeAll { line in
        let name = String(decoding: line.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self).lowercased()
        return name == "content-length" || name == "transfer-encoding"
    }
    var out: [UInt8] = []
    out.reserveCapacity(input.count + 32)
    for line in lines {
        out += line
        out += [13, 10]
    }
    out += Array("Content-Length: \(body.count)\r\n\r\n".utf8)
    out += body
    return out
}

/// Writes `bytes` on a new connection, half-closes it and reads the answer until the server closes.
///
/// - Parameter quiet: when set, the server may be waiting for more bytes: reading also stops when nothing came for
///   this long, and the deadline is not a hang.
func exchange(_ bytes: [UInt8], port: Int, deadline seconds: Double, quiet: Double?) -> [UInt8] {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    check(fd >= 0, "socket() failed: errno \(errno)")
    defer {
        // Reset rather than linger in TIME_WAIT: thousands of connections a minute would use up the local ports.
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    let end = Date().addingTimeInterval(seconds)
    if connected != 0 {
        // libFuzzer's timer signal can interrupt connect(2); the connection then completes on its own.
        check(errno == EINTR, "connect to the bridge failed: errno \(errno)")
        check(wait(fd, for: Int16(POLLOUT), until: end), "connect to the bridge did not complete")
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
        check(failure == 0, "connect to the bridge failed: errno \(failure)")
    }

    var offset = 0
    writing: while offset < bytes.count {
        guard wait(fd, for: Int16(POLLOUT), until: end) else {
            if quiet != nil { return [] }
            fail("HANG: the server took no more bytes for \(seconds) s (\(offset) of \(bytes.count) written)")
        }
        let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written < 0 {
            if errno == EINTR || errno == EAGAIN { continue }
            // The server answered and closed before taking everything (413, a malformed head): that is its right.
            break writing
        }
        offset += written
    }
    shutdown(fd, Int32(SHUT_WR))

    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let until = quiet.map { min(end, Date().addingTimeInterval($0)) } ?? end
        guard wait(fd, for: Int16(POLLIN), until: until) else {
            if quiet != nil { return response }
            fail("HANG: the server neither answered nor closed within \(seconds) s (\(response.count) bytes read)")
        }
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            response += buffer[..<count]
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            return response
        }
    }
}

/// Whether `bytes` are nothing but whole requests, read strictly: CRLF line ends, a `METHOD target HTTP/1.x` request
/// line, token field names without obs-fold, one agreed `Content-Length` or `Transfer-Encoding: chunked` alone with
/// complete chunks and no trailers. After a request that ends the connection the rest is never read. When unsure it
/// says no: a false no only shortens the wait, a false yes would report a hang that is not one.
func wholeRequests(_ bytes: [UInt8]) -> Bool {
    var index = 0
    while index < bytes.count {
        guard let (next, keepAlive) = wholeRequest(bytes, from: index) else { return false }
        if !keepAlive { return true }
        index = next
    }
    return true
}

/// The end of the whole request at `start` and whether the connection stays open after it, or nil.
func wholeRequest(_ bytes: [UInt8], from start: Int) -> (end: Int, keepAlive: Bool)? {
    let terminator: [UInt8] = [13, 10, 13, 10]
    guard let headEnd = (start..<bytes.count).first(where: { bytes[$0...].starts(with: terminator) }) else {
        return nil
    }
    var lines: [ArraySlice<UInt8>] = []
    var lineStart = start
    var position = start
    while position < headEnd {
        if bytes[position] == 13, bytes[position + 1] == 10 {
            lines.append(bytes[lineStart..<position])
            position += 2
            lineStart = position
        } else {
            position += 1
        }
    }
    lines.append(bytes[lineStart..<headEnd])
    guard let requestLine = lines.first, !lines.joined().contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
        return nil
    }
    let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isToken), !parts[1].isEmpty,
        parts[1].allSatisfy({ $0 > 32 && $0 < 127 })
    else { return nil }
    let version = String(decoding: parts[2], as: UTF8.self)
    guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return nil }
    var lengths: Set<String> = []
    var codings: [String] = []
    var connection = ""
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
            line[..<colon].allSatisfy(isToken)
        else { return nil }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        switch name {
        case "content-length": lengths.insert(value)
        case "transfer-encoding": codings.append(value.lowercased())
        case "connection": connection += value.lowercased() + ","
        default: break
        }
    }
    let keepAlive = version == "HTTP/1.1" ? !(connection == "close,") : connection.contains("keep-alive")
    var end = headEnd + 4
    if !codings.isEmpty {
        guard lengths.isEmpty, codings == ["chunked"] else { return nil }
        while true {
            guard let lineEnd = (end..<bytes.count).first(where: { bytes[$0...].starts(with: [13, 10]) }),
                lineEnd > end, lineEnd - end <= 8,
                let size = Int(String(decoding: bytes[end..<lineEnd], as: UTF8.self), radix: 16)
            else { return nil }
            end = lineEnd + 2
            if size == 0 {
                guard bytes[end...].starts(with: [13, 10]) else { return nil }
                return (end + 2, keepAlive)
            }
            guard bytes.count - end >= size + 2, bytes[(end + size)...].starts(with: [13, 10]) else { return nil }
            end += size + 2
        }
    }
    guard lengths.count <= 1 else { return nil }
    if let text = lengths.first {
        guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let length = Int(text), bytes.count - end >= length
        else { return nil }
        end += length
    }
    return (end, keepAlive)
}

/// A `tchar` of RFC 9110.
func isToken(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }
}

/// Waits until `fd` is ready for `events` (or has an error or hang-up); false when `end` passes first.
func wait(_ fd: Int32, for events: Int16, until end: Date) -> Bool {
    while true {
        let remaining = end.timeIntervalSinceNow
        guard remaining > 0 else { return false }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let ready = poll(&entry, 1, Int32(min(remaining * 1000, 1000).rounded(.up)))
        if ready > 0 { return true }
        if ready < 0, errno != EINTR { return true }
    }
}

runFuzzer(fuzz)
