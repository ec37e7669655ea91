#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads whole files as bytes, with the operating system's reason when that fails.
public enum FileContents {
    /// The bytes of the file at `path`.
    ///
    /// - Parameters:
    ///   - path: the file; relative paths are relative to the working directory.
    ///   - maximumSize: the largest file accepted, in bytes.
    public static func read(path: String, maximumSize: Int = Int.max) throws(FileReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileReadError(path: path, reason: lastErrorText())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FileReadError(path: path, reason: lastErrorText())
        }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            throw FileReadError(path: path, reason: "it is a directory")
        }
        let expected = Int(status.st_size)
        guard expected <= maximumSize else {
            throw FileReadError(path: path, reason: "it is larger than \(maximumSize) bytes")
        }
        // Sized from fstat, but read to the end anyway: some files (pipes, /proc) report no size, others grow.
        var bytes = try readChunk(descriptor, capacity: expected + 1, path: path)
        var lastChunk = expected + 1
        while bytes.count >= lastChunk {
            let chunk = try readChunk(descriptor, capacity: 1 << 16, path: path)
            if chunk.isEmpty { break }
            bytes += chunk
            lastChunk = 1 << 16
            guard bytes.count <= maximumSize else {
                throw FileReadError(path: path, reason: "it is larger than \(maximumSize) bytes")
            }
        }
        return bytes
    }

    /// Reads until `capacity` bytes or the end of the file, into memory that is not zero-filled first.
    private static func readChunk(_ descriptor: Int32, capacity: Int, path: String) throws(FileReadError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { return }
            while count < capacity {
                let result = systemRead(descriptor, base + count, capacity - count)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if result == 0 { return }
                count += result
            }
        }
        if failure != 0 {
            throw FileReadError(path: path, reason: String(cString: strerror(failure)))
        }
        return bytes
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

/// Why a file could not be read.
public struct FileReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path as given.
    public var path: String
    /// The operating system's reason, such as `No such file or directory`.
    public var reason: String

    /// `cannot read 'PATH': REASON`.
    public var description: String { "cannot read '\(path)': \(reason)" }
}

/// `read(2)`, under a name that the static `read(path:maximumSize:)` does not shadow.
@inline(__always)
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
