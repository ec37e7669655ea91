#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes whole lines to standard output and error, flushed at once, so that a person (or a
/// test reading a pipe) sees each call as it is answered.
enum Output {
    static func line(_ text: String) {
        emit(text + "\n", to: STDOUT_FILENO)
    }

    static func error(_ text: String) {
        emit(text + "\n", to: STDERR_FILENO)
    }

    private static func emit(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        // One write(2) per line keeps lines from different threads whole; loop for short writes.
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
