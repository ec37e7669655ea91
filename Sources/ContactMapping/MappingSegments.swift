/// The later parts of a mapping file's contacts array, each read by a ``MappingLoader`` on a thread of its own
/// while the first thread reads the start of the file.
///
/// A part starts at a guessed element boundary: a `{` after a `,`, opening an object whose first member is `keys`
/// or `leads`, found from each `1/threads` of the file on. In valid JSON that pattern cannot begin inside a string
/// (the `"` after the `{` would have to end it, and a string cannot be followed by `keys"`), but it can begin inside a
/// contact, such as a lead object with a `keys` member. So a part's work is used only when the first thread's own
/// reading arrives at its start as an element of the contacts array (``MappingLoader``).
struct MappingSegments {
    typealias Outcome = (loader: MappingLoader, end: MappingLoader.SegmentEnd)

    private let starts: [Int]
    private let threads: [JoinableThread<Outcome>]
    private var taken = 0

    /// Starts the threads; none for a file smaller than two segments, or where no boundary is found.
    init(
        _ bytes: UnsafeBufferPointer<UInt8>, threads: Int, minimumBytes: Int, fileName: String, countryCode: [UInt8]?
    ) {
        let starts = MappingSegments.starts(in: bytes, parts: threads, minimumBytes: max(1, minimumBytes))
        self.starts = starts
        self.threads = starts.indices.map { part in
            let start = starts[part]
            let next = part + 1 < starts.count ? starts[part + 1] : nil
            let length = (next ?? bytes.count) - start
            return JoinableThread {
                var loader = MappingLoader(fileName: fileName, countryCode: countryCode, fileSize: length)
                let end = loader.readSegment(bytes, from: start, next: next)
                return (loader, end)
            }
        }
    }

    /// Where the next segment not yet taken starts.
    var nextStart: Int? { taken < starts.count ? starts[taken] : nil }

    /// Waits for the next segment and returns how it was read.
    mutating func takeNext() -> Outcome? {
        guard taken < threads.count else { return nil }
        defer { taken += 1 }
        return threads[taken].join()
    }

    /// Waits for the segments not taken, and drops their work.
    mutating func abandon() {
        while takeNext() != nil {}
    }

    /// The guessed element boundaries, in order, at least `minimumBytes` apart and from the file's start.
    static func starts(in bytes: UnsafeBufferPointer<UInt8>, parts: Int, minimumBytes: Int) -> [Int] {
        let parts = min(parts, bytes.count / minimumBytes)
        guard parts > 1 else { return [] }
        var starts: [Int] = []
        for part in 1..<parts {
            let from = max(bytes.count / parts * part, (starts.last ?? 0) + minimumBytes)
            guard from < bytes.count, let start = elementStart(in: bytes, from: from, before: from + minimumBytes)
            else { continue }
            starts.append(start)
        }
        return starts
    }

    /// The first `{` in `from..<limit` that follows a `,` and begins with a `keys` or `leads` member.
    private static func elementStart(in bytes: UnsafeBufferPointer<UInt8>, from: Int, before limit: Int) -> Int? {
        func skipWhitespace(_ offset: Int) -> Int {
            var offset = offset
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x20, 0x09, 0x0A, 0x0D: offset += 1
                default: return offset
                }
            }
            return offset
        }
        func hasPrefix(_ literal: StaticString, at offset: Int) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= bytes.count else { return false }
            return (0..<count).allSatisfy { bytes[offset + $0] == literal.utf8Start[$0] }
        }
        var comma = from
        while comma < min(limit, bytes.count) {
            defer { comma += 1 }
            guard bytes[comma] == UInt8(ascii: ",") else { continue }
            let brace = skipWhitespace(comma + 1)
            guard brace < bytes.count, bytes[brace] == UInt8(ascii: "{") else { continue }
            let member = skipWhitespace(brace + 1)
            if hasPrefix("\"keys\"", at: member) || hasPrefix("\"leads\"", at: member) {
                return brace
            }
        }
        return nil
    }
}
