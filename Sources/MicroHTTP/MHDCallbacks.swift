import CMicroHTTPD
import HTTPTypes

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
            // A method that is not a token cannot be an `HTTPMethod`; RFC 9112 §3 makes it a bad request line.
            guard let requestMethod = method.flatMap({ HTTPMethod(String(cString: $0)) }) else {
                let response = ServerCore.problem(.badRequest, "The request method is not a token.")
                return queue(response, on: connection, close: true)
            }
            context.method = requestMethod
            if core.refusing.load(ordering: .acquiring) {
                let response = core.refuse(.shuttingDown, method: requestMethod, path: text(url).0 ?? "/")
                return queue(response, on: connection, close: true)
            }
            let head = headers(of: connection)
            (context.headers, context.headersAreValidUTF8) = (head.fields, head.allValidUTF8)
            if let (status, detail) = RequestFraming.refusal(head.fields, namesAreTokens: head.namesAreTokens) {
                return queue(ServerCore.problem(status, detail), on: connection, close: true)
            }
            if let length = context.headers["Content-Length"].flatMap({ Int($0) }) {
                if length > core.configuration.maxBodyBytes {
                    return queue(core.tooLargeResponse, on: connection, close: true)
                }
                // The whole declared body is reserved now, so that a slow client cannot grow past the budget later.
                guard core.reserveBody(length) else {
                    return queue(
                        core.refuse(.busy, method: requestMethod, path: text(url).0 ?? "/"), on: connection,
                        close: true)
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
            return queue(
                core.refuse(.busy, method: context.method, path: text(url).0 ?? "/"), on: connection, close: true)
        }
        let (path, pathIsValid) = text(url)
        let request = HTTPRequest(
            method: context.method,
            path: path ?? "/",
            rawURI: context.rawURI,
            headers: context.headers,
            body: context.body,
            isValidUTF8: context.rawURIIsValidUTF8 && pathIsValid && context.headersAreValidUTF8)
        context.body = []
        context.headers = HTTPFields()
        switch core.dispatch(request, context: context, connection: connection) {
        case .answered(let response):
            return queue(response, on: connection, close: core.draining.load(ordering: .acquiring))
        case .suspended:
            return MHD_Result.YES
        case .refused:
            return queue(
                core.refuse(.shuttingDown, method: request.method, path: request.path), on: connection, close: true)
        }
    }

    private static func queue(_ response: HTTPResponse, on connection: OpaquePointer, close: Bool) -> MHD_Result {
        let mhdResponse = response.body.withUnsafeBytes { buffer in
            MHD_create_response_from_buffer(
                buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
        }
        guard let mhdResponse else { return MHD_Result.NO }
        defer { MHD_destroy_response(mhdResponse) }
        for field in response.headers {
            // MHD computes the framing itself.
            if field.name == .contentLength || field.name == .transferEncoding { continue }
            if field.name == .connection, !close { continue }
            MHD_add_response_header(mhdResponse, field.name.rawName, field.value)
        }
        if close {
            MHD_add_response_header(mhdResponse, "Connection", "close")
        }
        return MHD_queue_response(connection, UInt32(response.status.code), mhdResponse)
    }

    /// The C string as text (invalid UTF-8 becomes U+FFFD), and whether it was valid UTF-8.
    private static func text(_ cString: UnsafePointer<CChar>?) -> (String?, Bool) {
        guard let cString else { return (nil, true) }
        if let text = String(validatingCString: cString) { return (text, true) }
        return (String(cString: cString), false)
    }

    /// A request's header fields as MHD iterates them, and what their text was like as sent.
    private final class HeaderCollector {
        var fields = HTTPFields()
        var allValidUTF8 = true
        var namesAreTokens = true

        /// Adds one field; a name that is not a token is noted and left out, since no `HTTPField.Name` holds it.
        func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
            guard let fieldName = HTTPField.Name(text(name)) else {
                namesAreTokens = false
                return
            }
            // libmicrohttpd 0.9.75 ends a value at a NUL itself; cutting here keeps that if the value size it reports
            // ever spans one, where the lenient value would turn the NUL into a space instead.
            let bytes = UnsafeRawBufferPointer(rebasing: value[..<(value.firstIndex(of: 0) ?? value.endIndex)])
            if isValidUTF8(bytes) {
                // Lenient: a value is kept as sent (control bytes and all), as signatures were computed over it.
                fields.append(HTTPField(name: fieldName, lenientValue: bytes))
            } else {
                allValidUTF8 = false
                fields.append(HTTPField(name: fieldName, lenientValue: String(decoding: bytes, as: UTF8.self).utf8))
            }
        }

        /// The bytes as text (invalid UTF-8 becomes U+FFFD), noting when they are not valid UTF-8.
        private func text(_ bytes: UnsafeRawBufferPointer) -> String {
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            allValidUTF8 = false
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Whether the bytes are UTF-8, without making a string of them when they are ASCII, as nearly all are.
        private func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
            bytes.allSatisfy { $0 < 0x80 } || String(validating: bytes, as: UTF8.self) != nil
        }
    }

    private static let collectHeader: MHD_KeyValueIteratorN = { cls, _, key, keySize, value, valueSize in
        let collector = Unmanaged<HeaderCollector>.fromOpaque(cls!).takeUnretainedValue()
        guard let key else { return MHD_Result.YES }
        collector.add(
            name: UnsafeRawBufferPointer(start: key, count: keySize),
            value: UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : valueSize))
        return MHD_Result.YES
    }

    /// The request's header fields, whether every name and value was valid UTF-8, and whether every name was a
    /// token.
    private static func headers(
        of connection: OpaquePointer
    ) -> (fields: HTTPFields, allValidUTF8: Bool, namesAreTokens: Bool) {
        let collector = HeaderCollector()
        // A NULL iterator only counts, so that the fields are stored once, without regrowing.
        let count = MHD_get_connection_values_n(connection, MHD_ValueKind.HEADER_KIND, nil, nil)
        collector.fields.reserveCapacity(Int(max(count, 0)))
        withExtendedLifetime(collector) {
            _ = MHD_get_connection_values_n(
                connection, MHD_ValueKind.HEADER_KIND, collectHeader, Unmanaged.passUnretained(collector).toOpaque())
        }
        return (collector.fields, collector.allValidUTF8, collector.namesAreTokens)
    }
}
