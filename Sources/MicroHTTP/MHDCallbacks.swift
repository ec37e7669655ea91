import CMicroHTTPD

/// The C callbacks given to libmicrohttpd.
///
/// They run on MHD's worker threads, so they are nonisolated static members (a closure at the top level of
/// `main.swift` would be MainActor-isolated and crash there). `cls` is the daemon's ``ServerCore``, unretained:
/// the ``HTTPServer`` keeps it alive until the daemon is stopped.
enum MHDCallbacks {
    /// Called once per request with the raw request target, before parsing: the only place the query string is
    /// seen as sent. The context it returns becomes the request's `*con_cls`.
    static let uriLog: optout_mhd_uri_log_callback = { cls, uri, _ in
        let core = Unmanaged<ServerCore>.fromOpaque(cls!).takeUnretainedValue()
        core.activeRequests.add(1, ordering: .relaxed)
        let (rawURI, valid) = text(uri)
        let context = RequestContext(rawURI: rawURI ?? "/", rawURIIsValidUTF8: valid)
        return Unmanaged.passRetained(context).toOpaque()
    }

    static let completed: MHD_RequestCompletedCallback = { cls, _, conCls, _ in
        let core = Unmanaged<ServerCore>.fromOpaque(cls!).takeUnretainedValue()
        guard let conCls, let raw = conCls.pointee else { return }
        conCls.pointee = nil
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
        core.releaseBody(context.reservedBytes)
        core.requestCompleted()
    }

    static let access: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadSize, conCls in
        let core = Unmanaged<ServerCore>.fromOpaque(cls!).takeUnretainedValue()
        guard let connection, let conCls, let raw = conCls.pointee, let uploadSize else { return MHD_Result.NO }
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()

        // First call: headers only. Answer now only what must not wait for the body.
        if !context.headersSeen {
            context.headersSeen = true
            // While draining, requests are still taken: the journal is open, and a refusal would send the sender
            // away with its opt-out. Once the grace period is over they are refused before the body is read.
            if core.refusing.load(ordering: .acquiring) {
                let response = core.refuse(
                    .shuttingDown, method: method.map { String(cString: $0) } ?? "GET", path: text(url).0 ?? "/")
                return queue(response, on: connection, close: true)
            }
            (context.headers, context.headersAreValidUTF8) = headers(of: connection)
            if let (status, detail) = RequestFraming.refusal(context.headers) {
                return queue(ServerCore.problem(status, detail), on: connection, close: true)
            }
            if let length = context.headers["Content-Length"].flatMap({ Int($0) }) {
                if length > core.configuration.maxBodyBytes {
                    return queue(core.tooLargeResponse, on: connection, close: true)
                }
                // The whole declared body is reserved now, so that a slow client cannot grow past the budget later.
                guard core.reserveBody(length) else {
                    let method = method.map { String(cString: $0) } ?? "POST"
                    return queue(
                        core.refuse(.busy, method: method, path: text(url).0 ?? "/"), on: connection, close: true)
                }
                context.reservedBytes = length
                context.body.reserveCapacity(length)
            }
            return MHD_Result.YES
        }

        // Body chunks: keep them while under the limit; past it, read on and discard, then answer 413.
        if uploadSize.pointee > 0 {
            let size = uploadSize.pointee
            if !context.bodyTooLarge, !context.overBudget, let uploadData {
                // A chunked body reserves as it grows; a declared one reserved its length on the first call.
                let needed = context.body.count + size - context.reservedBytes
                if context.body.count + size > core.configuration.maxBodyBytes {
                    context.bodyTooLarge = true
                    context.body = []
                } else if needed > 0, !core.reserveBody(needed) {
                    context.overBudget = true
                    context.body = []
                } else {
                    context.reservedBytes += max(0, needed)
                    uploadData.withMemoryRebound(to: UInt8.self, capacity: size) {
                        context.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
                    }
                }
            }
            uploadSize.pointee = 0
            return MHD_Result.YES
        }

        // The request is complete, or the connection was resumed with the handler's answer.
        if let response = context.takeAnswer() {
            return queue(response, on: connection, close: core.draining.load(ordering: .acquiring))
        }
        if context.bodyTooLarge {
            return queue(core.tooLargeResponse, on: connection, close: true)
        }
        if context.overBudget {
            let method = method.map { String(cString: $0) } ?? "POST"
            return queue(core.refuse(.busy, method: method, path: text(url).0 ?? "/"), on: connection, close: true)
        }
        let (path, pathIsValid) = text(url)
        let request = HTTPRequest(
            method: method.map { String(cString: $0) } ?? "GET",
            path: path ?? "/",
            rawURI: context.rawURI,
            headers: context.headers,
            body: context.body,
            remoteAddress: clientAddress(connection),
            isValidUTF8: context.rawURIIsValidUTF8 && pathIsValid && context.headersAreValidUTF8)
        context.body = []
        context.headers = HTTPHeaders()
        guard core.dispatch(request, context: context, connection: connection) else {
            return queue(
                core.refuse(.shuttingDown, method: request.method, path: request.path), on: connection, close: true)
        }
        return MHD_Result.YES
    }

    private static func queue(_ response: HTTPResponse, on connection: OpaquePointer, close: Bool) -> MHD_Result {
        let mhdResponse = response.body.withUnsafeBytes { buffer in
            MHD_create_response_from_buffer(
                buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
        }
        guard let mhdResponse else { return MHD_Result.NO }
        defer { MHD_destroy_response(mhdResponse) }
        for (name, value) in response.headers {
            // MHD computes the framing itself.
            if name.caseInsensitiveEquals("Content-Length") || name.caseInsensitiveEquals("Transfer-Encoding") {
                continue
            }
            if name.caseInsensitiveEquals("Connection"), !close { continue }
            MHD_add_response_header(mhdResponse, name, value)
        }
        if close {
            MHD_add_response_header(mhdResponse, "Connection", "close")
        }
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    }

    /// The C string as text (invalid UTF-8 becomes U+FFFD), and whether it was valid UTF-8.
    private static func text(_ cString: UnsafePointer<CChar>?) -> (String?, Bool) {
        guard let cString else { return (nil, true) }
        if let text = String(validatingCString: cString) { return (text, true) }
        return (String(cString: cString), false)
    }

    private final class HeaderCollector {
        var fields: [HTTPHeaders.Field] = []
        var allValidUTF8 = true

        /// The text of `count` bytes at `start`, noting when they are not valid UTF-8.
        func text(_ start: UnsafePointer<CChar>, _ count: Int) -> String {
            let bytes = UnsafeRawBufferPointer(start: start, count: count)
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            allValidUTF8 = false
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static let collectHeader: MHD_KeyValueIteratorN = { cls, _, key, keySize, value, valueSize in
        let collector = Unmanaged<HeaderCollector>.fromOpaque(cls!).takeUnretainedValue()
        guard let key else { return MHD_Result.YES }
        let name = collector.text(key, keySize)
        let text = value.map { collector.text($0, valueSize) }
        collector.fields.append((name: name, value: text ?? ""))
        return MHD_Result.YES
    }

    /// The request's headers, and whether every name and value was valid UTF-8.
    private static func headers(of connection: OpaquePointer) -> (HTTPHeaders, Bool) {
        let collector = HeaderCollector()
        withExtendedLifetime(collector) {
            _ = MHD_get_connection_values_n(
                connection, MHD_ValueKind.HEADER_KIND, collectHeader, Unmanaged.passUnretained(collector).toOpaque())
        }
        return (HTTPHeaders(collector.fields), collector.allValidUTF8)
    }

    private static func clientAddress(_ connection: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        guard optout_mhd_client_address(connection, &buffer, socklen_t(buffer.count)) == 0 else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
