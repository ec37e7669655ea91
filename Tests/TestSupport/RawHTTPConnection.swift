import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client on a plain TCP socket, for tests that need control over the bytes on the wire:
/// keep-alive, lying `Content-Length`, bodies that never come, idle connections.
public final class RawHTTPConnection: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }

        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:port; reads give up after `timeout`.
    ///
    /// The default is long on purpose: answers that come from a handler need Swift's cooperative pool, which the
    /// blocking setup of other tests can hold for seconds at the start of a full run. Pass a short one only where a
    /// read that times out is the expected outcome.
    public init(port: Int, timeout: TimeInterval = 30) throws {
        // `self.fd` is set only once connected: a class whose init throws after setting every stored property
        // still runs `deinit`, which would close the descriptor a second time. By then another thread may have
        // been given that number (MHD's own sockets, in the tests that run a server in this process), and MHD
        // aborts the process when its close of it fails.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect to port \(port) failed: errno \(errno)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += written
        }
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends one request with `Content-Length` set from the body.
    public func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> Response {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        if !body.isEmpty || method == "POST" || method == "PUT" {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        return try readResponse(headRequest: method == "HEAD")
    }

    public func request(_ method: String, _ target: String, headers: [(String, String)] = [], json: String)
        throws -> Response
    {
        try request(
            method, target, headers: [("Content-Type", "application/json")] + headers, body: Array(json.utf8))
    }

    /// Reads one response: status line, headers, and a body framed by `Content-Length` or chunked encoding.
    public func readResponse(headRequest: Bool = false) throws -> Response {
        let headEnd = try readUntil(Array("\r\n\r\n".utf8))
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line in \(head)")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                name: String(line[..<colon]),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        var response = Response(status: status, headers: headers, body: [])
        if headRequest || status == 204 || status == 304 { return response }
        if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            try fill(length)
            response.body = Array(buffer.prefix(length))
            buffer.removeFirst(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let lineEnd = try readUntil(Array("\r\n".utf8))
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self)
                buffer.removeFirst(lineEnd + 2)
                let size = Int(sizeText.split(separator: ";")[0], radix: 16) ?? 0
                try fill(size + 2)
                response.body += buffer.prefix(size)
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else {
            while let chunk = try readChunk() {
                buffer += chunk
            }
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// True when the server closed the connection (EOF) within the read timeout.
    public func isClosedByPeer() -> Bool {
        guard buffer.isEmpty else { return false }
        do {
            return try readChunk() == nil
        } catch {
            return false
        }
    }

    private func readChunk() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { return nil }
        if count < 0 {
            if errno == ECONNRESET { return nil }
            throw Failure(description: "recv failed or timed out: errno \(errno)")
        }
        return Array(chunk.prefix(count))
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        while true {
            if let index = find(marker) { return index }
            guard let chunk = try readChunk() else { throw Failure(description: "connection closed by peer") }
            buffer += chunk
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count {
            guard let chunk = try readChunk() else { throw Failure(description: "connection closed by peer") }
            buffer += chunk
        }
    }

    private func find(_ marker: [UInt8]) -> Int? {
        guard buffer.count >= marker.count else { return nil }
        for start in 0...(buffer.count - marker.count) where buffer[start..<start + marker.count].elementsEqual(marker)
        {
            return start
        }
        return nil
    }
}
