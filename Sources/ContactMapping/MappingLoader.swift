import JSON
import OptOutCore

/// Reads a mapping file straight from its bytes into a ``MappingBuilder``, without a JSON tree.
///
/// Every problem becomes a ``Diagnostic`` with the position of the offending value, and reading goes on so that
/// all of them are reported; only a JSON syntax error, or more than ``maximumErrors`` problems, stops it.
///
/// A large file can be read on several threads (``load(_:threads:minimumSegmentBytes:)``): other threads read the
/// later parts of the contacts array from guessed element boundaries (``MappingSegments``), and this loader takes
/// their work over only when its own reading arrives exactly at such a boundary. So a wrong guess costs time,
/// never correctness: the outcome, tables, diagnostics and positions, is the same as that of one thread.
struct MappingLoader {
    /// Problems reported before giving up.
    static let maximumErrors = 100
    /// Warnings listed one by one; the rest are counted in one last warning.
    static let maximumWarnings = 100

    let fileName: String
    let countryCode: [UInt8]?
    private var builder: MappingBuilder
    private var errors: [Diagnostic] = []
    /// Where each contact starts (`line << 32 | column`), to say where a shared key was first seen.
    private var contactPositions: [UInt64] = []
    /// Where each key occurrence is, to place the warning for a shared key.
    private var keyPositions: [UInt64] = []
    /// Set when ``maximumErrors`` is reached; the thrown syntax error is then only a way out.
    private var gaveUp = false
    /// Copies of the current lead's ids: the scanner's scratch space is reused by the next string.
    private var pearlIdBuffer: [UInt8] = []
    private var leadIdBuffer: [UInt8] = []
    /// The later parts of the contacts array, read on other threads; nil once taken over or given up.
    private var segments: MappingSegments?
    /// How many of them this loader took over (for tests: a wrong guess is taken over by none).
    private(set) var segmentsTakenOver = 0

    init(fileName: String, countryCode: [UInt8]?, fileSize: Int) {
        self.fileName = fileName
        self.countryCode = countryCode
        builder = MappingBuilder(fileSize: fileSize)
        contactPositions.reserveCapacity(fileSize / 100)
        keyPositions.reserveCapacity(fileSize / 40)
    }

    /// Reads the whole file.
    ///
    /// - Parameters:
    ///   - threads: how many threads may read it; more than one only for a file of at least two segments.
    ///   - minimumSegmentBytes: the least a thread is given to read.
    mutating func load(
        _ bytes: UnsafeBufferPointer<UInt8>, threads: Int = 1, minimumSegmentBytes: Int = 4 << 20
    ) -> Result<Mapping.Storage, MappingError> {
        var scanner = JSONScanner(bytes: bytes, maximumDepth: JSONParser.defaultMaximumDepth)
        let threads = bytes.count >= 2 * minimumSegmentBytes ? threads : 1
        if threads > 1 {
            segments = MappingSegments(
                bytes, threads: threads, minimumBytes: minimumSegmentBytes, fileName: fileName,
                countryCode: countryCode)
        }
        // The other threads read `bytes`: they must be done before the caller may free it.
        defer { segments?.abandon() }
        do {
            try readDocument(&scanner)
        } catch {
            if gaveUp {
                errors.append(
                    .error(
                        "too many problems; stopped after \(MappingLoader.maximumErrors)", file: fileName, at: nil))
            } else {
                errors.append(.error(error.message, file: fileName, at: error.position))
            }
        }
        guard errors.isEmpty else {
            return .failure(MappingError(diagnostics: errors))
        }
        let (fileName, contactPositions, keyPositions) = (fileName, contactPositions, keyPositions)
        let storage = builder.finish(fileName: fileName, threads: threads) { sharedKeys, builder in
            MappingLoader.sharedKeyWarnings(
                sharedKeys, builder, fileName: fileName, contactPositions: contactPositions, keyPositions: keyPositions)
        }
        return .success(storage)
    }

    // MARK: Reporting

    private mutating func report(_ message: String, at position: SourcePosition) throws(JSONSyntaxError) {
        try report(.error(message, file: fileName, at: position))
    }

    /// Keeps a problem; at ``maximumErrors`` gives up, by throwing.
    private mutating func report(_ problem: Diagnostic) throws(JSONSyntaxError) {
        errors.append(problem)
        if errors.count >= MappingLoader.maximumErrors {
            gaveUp = true
            throw JSONSyntaxError(
                message: "too many problems", position: problem.position ?? SourcePosition(line: 1, column: 1),
                offset: 0)
        }
    }

    /// A warning for each key found in more than one contact, up to ``maximumWarnings``.
    private static func sharedKeyWarnings(
        _ sharedKeys: [MappingBuilder.SharedKey], _ builder: MappingBuilder, fileName: String,
        contactPositions: [UInt64], keyPositions: [UInt64]
    ) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        for shared in sharedKeys.prefix(MappingLoader.maximumWarnings) {
            let first = unpack(contactPositions[shared.firstContact])
            warnings.append(
                .warning(
                    "key '\(builder.keyText(shared.occurrence))' is also in the contact at line \(first.line), column "
                        + "\(first.column); their leads are merged",
                    file: fileName, at: unpack(keyPositions[shared.occurrence])))
        }
        if sharedKeys.count > MappingLoader.maximumWarnings {
            warnings.append(
                .warning(
                    "\(sharedKeys.count - MappingLoader.maximumWarnings) more keys are shared between contacts "
                        + "(not listed)", file: fileName, at: nil))
        }
        return warnings
    }

    /// A position packed into 64 bits, for the per-contact and per-key arrays.
    private static func pack(_ position: SourcePosition) -> UInt64 {
        UInt64(truncatingIfNeeded: position.line) << 32 | UInt64(truncatingIfNeeded: position.column)
    }

    private static func unpack(_ packed: UInt64) -> SourcePosition {
        SourcePosition(line: Int(packed >> 32), column: Int(packed & 0xFFFF_FFFF))
    }

    /// Reports a value of the wrong kind and skips it.
    private mutating func wrongKind(
        _ scanner: inout JSONScanner, _ what: String, expected: String
    ) throws(JSONSyntaxError) {
        let position = scanner.currentPosition
        let found = kindName(scanner.peek)
        try scanner.skipValue()
        try report("\(what) must be \(expected), not \(found)", at: position)
    }

    /// Reports an unknown member (suggesting a known one) and skips its value.
    private mutating func unknownMember(
        _ scanner: inout JSONScanner, _ span: JSONScanner.StringSpan, at position: SourcePosition, in what: String,
        known: [String]
    ) throws(JSONSyntaxError) {
        let name = scanner.string(of: span)
        try scanner.skipValue()
        var message = "unknown key '\(name)' in \(what)"
        if let suggestion = Suggestion.closest(to: name, among: known) {
            message += "; did you mean '\(suggestion)'?"
        } else {
            message += "; expected " + known.map { "'\($0)'" }.joined(separator: " or ")
        }
        try report(message, at: position)
    }

    private mutating func duplicateMember(
        _ scanner: inout JSONScanner, _ name: String, at position: SourcePosition
    ) throws(JSONSyntaxError) {
        try scanner.skipValue()
        try report("duplicate key '\(name)'", at: position)
    }

    // MARK: Document

    private mutating func readDocument(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        scanner.skipWhitespace()
        let position = scanner.currentPosition
        guard scanner.peek == UInt8(ascii: "{") else {
            if scanner.isAtEnd {
                try report("the mapping file is empty; expected {\"version\": 1, \"contacts\": [...]}", at: position)
            } else {
                try scanner.skipValue()
                try scanner.expectEnd()
                try report("the mapping file must be an object {\"version\": 1, \"contacts\": [...]}", at: position)
            }
            return
        }
        var sawVersion = false
        var sawContacts = false
        if try scanner.enterObject() {
            repeat {
                let (span, keyPosition) = try scanner.readKey()
                if scanner.matches(span, "version") {
                    if sawVersion {
                        try duplicateMember(&scanner, "version", at: keyPosition)
                    } else {
                        sawVersion = true
                        try readVersion(&scanner)
                    }
                } else if scanner.matches(span, "contacts") {
                    if sawContacts {
                        try duplicateMember(&scanner, "contacts", at: keyPosition)
                    } else {
                        sawContacts = true
                        try readContacts(&scanner)
                    }
                } else {
                    try unknownMember(
                        &scanner, span, at: keyPosition, in: "the mapping file", known: ["version", "contacts"])
                }
            } while try scanner.nextMember()
        }
        try scanner.expectEnd()
        if !sawVersion {
            try report("missing \"version\": 1", at: position)
        }
        if !sawContacts {
            try report("missing \"contacts\": an array of {\"keys\": [...], \"leads\": [...]}", at: position)
        }
    }

    private mutating func readVersion(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        let position = scanner.currentPosition
        guard let byte = scanner.peek, byte == UInt8(ascii: "-") || isDigit(byte) else {
            try wrongKind(&scanner, "version", expected: "the number 1")
            return
        }
        let range = try scanner.scanNumber()
        let literal = String(decoding: UnsafeBufferPointer(rebasing: scanner.bytes[range]), as: UTF8.self)
        if JSONValue(.number(literal)).intValue != 1 {
            try report("unsupported mapping version \(literal); this bridge reads version 1", at: position)
        }
    }

    private mutating func readContacts(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        guard scanner.peek == UInt8(ascii: "[") else {
            try wrongKind(&scanner, "contacts", expected: "an array")
            return
        }
        guard try scanner.enterArray() else { return }
        repeat {
            if let start = segments?.nextStart, scanner.index == start, try takeOverSegments(&scanner) {
                return
            }
            try readElement(&scanner)
        } while try scanner.nextElement()
    }

    private mutating func readElement(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        if scanner.peek == UInt8(ascii: "{") {
            try readContact(&scanner)
        } else {
            try wrongKind(&scanner, "a contact", expected: "an object {\"keys\": [...], \"leads\": [...]}")
        }
    }

    // MARK: Segments

    /// How reading a segment ended.
    enum SegmentEnd {
        /// At the element where the next segment starts.
        case reachedNext(JSONScanner.ScanPoint)
        /// After the `]` that closes the contacts array.
        case closed(JSONScanner.ScanPoint)
        /// At a syntax error, or after too many problems.
        case failed(JSONSyntaxError)
    }

    /// Reads the contacts array from `start`, an element of it, until the array ends or, exactly at an element,
    /// `next`. Positions are counted from `start` (see ``JSONScanner/ScanPoint``).
    mutating func readSegment(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, next: Int?) -> SegmentEnd {
        // Inside the document's object and the contacts array.
        var scanner = JSONScanner(
            bytes: bytes, maximumDepth: JSONParser.defaultMaximumDepth, resumingAt: start, depth: 2)
        do {
            repeat {
                try readElement(&scanner)
                guard try scanner.nextElement() else { return .closed(scanner.point) }
            } while scanner.index != next
            return .reachedNext(scanner.point)
        } catch {
            return .failed(error)
        }
    }

    /// Takes over the segments read by other threads, from the one that starts at `scanner`'s element, and leaves
    /// `scanner` where the last one taken ended, as if this loader had read them.
    ///
    /// - Returns: whether the contacts array has been read to its end.
    private mutating func takeOverSegments(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> Bool {
        guard var pending = segments else { return false }
        segments = nil
        defer { pending.abandon() }
        var origin = scanner.point
        while let (segment, end) = pending.takeNext() {
            for problem in segment.errors {
                try report(MappingLoader.absolute(problem, from: origin))
            }
            let segmentOrigin = origin
            contactPositions += segment.contactPositions.lazy.map { MappingLoader.absolute($0, from: segmentOrigin) }
            keyPositions += segment.keyPositions.lazy.map { MappingLoader.absolute($0, from: segmentOrigin) }
            builder.append(contentsOf: segment.builder)
            segmentsTakenOver += 1
            switch end {
            case .reachedNext(let point):
                origin = point.absolute(from: origin)
            case .closed(let point):
                scanner.resume(at: point.absolute(from: origin))
                return true
            case .failed(var error):
                // Not after too many problems: those have made `errors` reach the limit above.
                error.position = JSONScanner.ScanPoint.absolute(error.position, from: origin)
                throw error
            }
        }
        scanner.resume(at: origin)
        return false
    }

    private static func absolute(_ diagnostic: Diagnostic, from origin: JSONScanner.ScanPoint) -> Diagnostic {
        var diagnostic = diagnostic
        diagnostic.position = diagnostic.position.map { JSONScanner.ScanPoint.absolute($0, from: origin) }
        return diagnostic
    }

    private static func absolute(_ packed: UInt64, from origin: JSONScanner.ScanPoint) -> UInt64 {
        pack(JSONScanner.ScanPoint.absolute(unpack(packed), from: origin))
    }

    // MARK: Contacts

    private mutating func readContact(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        let position = scanner.currentPosition
        contactPositions.append(MappingLoader.pack(position))
        builder.beginContact()
        var sawKeys = false
        var sawLeads = false
        if try scanner.enterObject() {
            repeat {
                let (span, keyPosition) = try scanner.readKey()
                if scanner.matches(span, "keys") {
                    if sawKeys {
                        try duplicateMember(&scanner, "keys", at: keyPosition)
                    } else {
                        sawKeys = true
                        try readKeys(&scanner)
                    }
                } else if scanner.matches(span, "leads") {
                    if sawLeads {
                        try duplicateMember(&scanner, "leads", at: keyPosition)
                    } else {
                        sawLeads = true
                        try readLeads(&scanner)
                    }
                } else {
                    try unknownMember(&scanner, span, at: keyPosition, in: "a contact", known: ["keys", "leads"])
                }
            } while try scanner.nextMember()
        }
        if !sawKeys {
            try report("this contact has no \"keys\"", at: position)
        }
        if !sawLeads {
            try report("this contact has no \"leads\"", at: position)
        }
        builder.endContact()
    }

    private mutating func readKeys(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        let arrayPosition = scanner.currentPosition
        let expected = "an array of strings such as \"email:jane@example.com\""
        guard scanner.peek == UInt8(ascii: "[") else {
            try wrongKind(&scanner, "keys", expected: expected)
            return
        }
        guard try scanner.enterArray() else {
            try report("keys is empty; a contact needs at least one key", at: arrayPosition)
            return
        }
        repeat {
            let position = scanner.currentPosition
            guard scanner.peek == UInt8(ascii: "\"") else {
                try wrongKind(&scanner, "a key", expected: "a string such as \"email:jane@example.com\"")
                continue
            }
            let span = try scanner.scanString()
            let failure = scanner.withBytes(of: span) { raw -> ContactKeyError? in
                do throws(ContactKeyError) {
                    try builder.addKey { (arena) throws(ContactKeyError) in
                        _ = try KeyNormalizer.appendKey(raw, countryCode: countryCode, to: &arena)
                    }
                    return nil
                } catch {
                    return error
                }
            }
            if let failure {
                try report(failure.message, at: position)
            } else {
                keyPositions.append(MappingLoader.pack(position))
            }
        } while try scanner.nextElement()
    }

    private mutating func readLeads(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        let arrayPosition = scanner.currentPosition
        let expected = "an array of {\"pearlId\": \"…\", \"leadId\": \"…\"}"
        guard scanner.peek == UInt8(ascii: "[") else {
            try wrongKind(&scanner, "leads", expected: expected)
            return
        }
        guard try scanner.enterArray() else {
            try report("leads is empty; a contact needs at least one lead", at: arrayPosition)
            return
        }
        repeat {
            if scanner.peek == UInt8(ascii: "{") {
                try readLead(&scanner)
            } else {
                try wrongKind(&scanner, "a lead", expected: "an object {\"pearlId\": \"…\", \"leadId\": \"…\"}")
            }
        } while try scanner.nextElement()
    }

    private mutating func readLead(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        let position = scanner.currentPosition
        var pearlIdSeen = false
        var leadIdSeen = false
        var pearlIdValid = false
        var leadIdValid = false
        if try scanner.enterObject() {
            repeat {
                let (span, keyPosition) = try scanner.readKey()
                if scanner.matches(span, "pearlId") {
                    if pearlIdSeen {
                        try duplicateMember(&scanner, "pearlId", at: keyPosition)
                    } else {
                        pearlIdSeen = true
                        pearlIdValid = try readIdentifier(&scanner, isPearlId: true)
                    }
                } else if scanner.matches(span, "leadId") {
                    if leadIdSeen {
                        try duplicateMember(&scanner, "leadId", at: keyPosition)
                    } else {
                        leadIdSeen = true
                        leadIdValid = try readIdentifier(&scanner, isPearlId: false)
                    }
                } else {
                    try unknownMember(&scanner, span, at: keyPosition, in: "a lead", known: ["pearlId", "leadId"])
                }
            } while try scanner.nextMember()
        }
        if !pearlIdSeen {
            try report("this lead has no \"pearlId\"", at: position)
        }
        if !leadIdSeen {
            try report("this lead has no \"leadId\"", at: position)
        }
        guard pearlIdValid, leadIdValid else { return }
        pearlIdBuffer.withUnsafeBufferPointer { pearlId in
            leadIdBuffer.withUnsafeBufferPointer { leadId in
                builder.addLead(pearlId: pearlId, leadId: leadId)
            }
        }
    }

    /// Reads a `pearlId` or `leadId` string into ``pearlIdBuffer`` or ``leadIdBuffer``.
    ///
    /// - Returns: whether it is valid; a problem has been reported otherwise.
    private mutating func readIdentifier(
        _ scanner: inout JSONScanner, isPearlId: Bool
    ) throws(JSONSyntaxError) -> Bool {
        let name = isPearlId ? "pearlId" : "leadId"
        let position = scanner.currentPosition
        guard scanner.peek == UInt8(ascii: "\"") else {
            try wrongKind(&scanner, name, expected: "a string")
            return false
        }
        let span = try scanner.scanString()
        let problem: String? = scanner.withBytes(of: span) { bytes in
            guard let first = bytes.first, let last = bytes.last else {
                return "\(name) is empty"
            }
            if first == 0x20 || last == 0x20 || first == 0x09 || last == 0x09 {
                return "\(name) has a blank at its start or end"
            }
            if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                return "\(name) contains a control character"
            }
            if isPearlId {
                pearlIdBuffer.removeAll(keepingCapacity: true)
                pearlIdBuffer.append(contentsOf: bytes)
            } else {
                leadIdBuffer.removeAll(keepingCapacity: true)
                leadIdBuffer.append(contentsOf: bytes)
            }
            return nil
        }
        if let problem {
            try report(problem, at: position)
            return false
        }
        return true
    }

    /// What kind of JSON value starts with `byte`, for messages.
    private func kindName(_ byte: UInt8?) -> String {
        switch byte {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a Boolean"
        case UInt8(ascii: "n"): "null"
        default: "a number"
        }
    }
}
