import Foundation
import OptOutCore
import Testing

@testable import ContactMapping

/// Reading a mapping on several threads must give what one thread gives: the same tables, entry for entry, and the
/// same diagnostics at the same lines and columns, wherever the segments start and whether or not their guessed
/// starts are real element boundaries.
@Suite("Mapping on several threads")
struct MappingSegmentsTests {
    /// Everything a load produces, compared whole.
    struct Outcome: Equatable, CustomStringConvertible {
        var diagnostics: [String]
        var contactCount = 0
        var keys: [[UInt8]] = []
        var keyRanges: [UInt64] = []
        var leadRefs: [UInt32] = []
        var leads: [[UInt8]] = []
        var pearlIds: [String] = []
        var segmentsTakenOver = 0

        var description: String {
            "\(contactCount) contacts, \(keys.count) keys, \(leads.count) leads, diagnostics \(diagnostics)"
        }

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            // Which segments were taken over is how, not what.
            var rhs = rhs
            rhs.segmentsTakenOver = lhs.segmentsTakenOver
            return lhs.diagnostics == rhs.diagnostics && lhs.contactCount == rhs.contactCount && lhs.keys == rhs.keys
                && lhs.keyRanges == rhs.keyRanges && lhs.leadRefs == rhs.leadRefs && lhs.leads == rhs.leads
                && lhs.pearlIds == rhs.pearlIds
        }
    }

    static func load(_ text: String, threads: Int, minimumSegmentBytes: Int) -> Outcome {
        let bytes = Array(text.utf8)
        var loader = MappingLoader(fileName: "m.json", countryCode: Array("1".utf8), fileSize: bytes.count)
        let result = bytes.withUnsafeBufferPointer {
            loader.load($0, threads: threads, minimumSegmentBytes: minimumSegmentBytes)
        }
        switch result {
        case .failure(let error):
            return Outcome(
                diagnostics: error.diagnostics.map(\.description), segmentsTakenOver: loader.segmentsTakenOver)
        case .success(let storage):
            func entries(_ table: ByteStringTable) -> [[UInt8]] {
                (0..<table.count).map { table.withBytes(of: $0) { Array($0) } }
            }
            return Outcome(
                diagnostics: storage.warnings.map(\.description), contactCount: storage.contactCount,
                keys: entries(storage.keys), keyRanges: storage.keyRanges, leadRefs: storage.leadRefs,
                leads: entries(storage.leads), pearlIds: storage.pearlIds, segmentsTakenOver: loader.segmentsTakenOver)
        }
    }

    /// A deterministic generator, so that a failure can be replayed.
    struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// A mapping of `count` contacts with what moves positions and numbering about: several lines or one, CRLF,
    /// letters of two and three bytes, escapes, keys shared across the file, `pearlId`s first seen in different
    /// orders, and lead objects that look like contacts to the boundary guess.
    static func document(
        seed: UInt64, count: Int, oneLine: Bool, lineBreak: String = "\n", decoys: Bool = false
    ) -> String {
        var generator = Generator(state: seed)
        let separator = oneLine ? "," : "," + lineBreak + String(repeating: " ", count: generator.next(4))
        var contacts: [String] = []
        for i in 0..<count {
            var keys = [#""email:user\#(i)@example.com""#, #""crm:\#(i)""#]
            switch generator.next(6) {
            case 0: keys.append(#""group:\#(generator.next(5))""#)  // shared with other contacts
            case 1: keys.append(#""name:Zoë-\#(i)-日本""#)
            case 2: keys.append(#""note:quote \"\#(i)\" tab\t""#)
            default: break
            }
            var leads: [String] = []
            for _ in 0...generator.next(3) {
                leads.append(#"{"pearlId": "p\#(generator.next(6))", "leadId": "l\#(generator.next(count * 2))"}"#)
            }
            if decoys, generator.next(8) == 0 {
                // A lead that starts like a contact (an error: "keys" in a lead): the boundary guess may land here, and must not be trusted.
                leads.append(#"{"keys": ["x:\#(i)"], "pearlId": "p0", "leadId": "decoy"}"#)
            }
            contacts.append(
                #"{"keys": [\#(keys.joined(separator: ", "))], "leads": [\#(leads.joined(separator: ","))]}"#)
        }
        let body = contacts.joined(separator: separator)
        return oneLine
            ? #"{"contacts": [\#(body)], "version": 1}"#
            : "{" + lineBreak + #"  "contacts": ["# + lineBreak + "  " + body + lineBreak + "  ]," + lineBreak
                + #"  "version": 1"# + lineBreak + "}" + lineBreak
    }

    static func expectSameOutcome(_ text: String, sizes: [Int], atLeastOneTakenOver: Bool = true) {
        let reference = load(text, threads: 1, minimumSegmentBytes: 1)
        var takenOver = 0
        for threads in [2, 3, 4] {
            for size in sizes {
                let outcome = load(text, threads: threads, minimumSegmentBytes: size)
                #expect(outcome == reference, "threads \(threads), segments of \(size) bytes or more")
                takenOver += outcome.segmentsTakenOver
            }
        }
        if atLeastOneTakenOver {
            #expect(takenOver > 0, "no segment was ever taken over: the test would not test anything")
        }
    }

    @Test("files on several lines, with CRLF, or on one line", arguments: [false, true])
    func validFiles(oneLine: Bool) {
        for seed: UInt64 in 1...4 {
            let text = Self.document(
                seed: seed, count: 300, oneLine: oneLine, lineBreak: seed == 2 ? "\r\n" : "\n", decoys: seed == 3)
            Self.expectSameOutcome(text, sizes: [97, 500, 1_999, 7_919, text.utf8.count / 3])
        }
    }

    @Test("problems in every segment keep their lines and columns, and the limit of 100 counts all of them")
    func problems() {
        var generator = Generator(state: 7)
        for badEvery in [15, 40] {
            let text = Self.document(seed: 11, count: 600, oneLine: false).split(separator: "\n").map { line in
                guard generator.next(badEvery) == 0 else { return String(line) }
                return line.replacingOccurrences(of: #""crm:"#, with: #""crm"#)  // no namespace: an error
                    .replacingOccurrences(of: #""leadId": "l"#, with: #""leadId": " l"#)  // a blank: an error
            }.joined(separator: "\n")
            Self.expectSameOutcome(text, sizes: [97, 1_999, 7_919])
            // Over the limit, which the second half reaches; and under it.
            let count = Self.load(text, threads: 1, minimumSegmentBytes: 1).diagnostics.count
            #expect(badEvery == 15 ? count == 101 : (50..<100).contains(count), "\(count) problems")
        }
    }

    @Test("a syntax error in a later segment is reported as one thread reports it")
    func syntaxErrorLater() {
        let valid = Self.document(seed: 5, count: 400, oneLine: false)
        let cut = valid[valid.index(valid.startIndex, offsetBy: valid.count * 3 / 4)...].firstIndex(of: "\n")!
        let broken = String(valid[...cut] + "]," + valid[valid.index(after: cut)...])
        Self.expectSameOutcome(broken, sizes: [97, 1_999])
        let diagnostics = Self.load(broken, threads: 1, minimumSegmentBytes: 1).diagnostics
        #expect(diagnostics.count == 1 && diagnostics[0].hasSuffix("trailing comma before ']'"), "\(diagnostics)")
    }

    @Test("a syntax error in the first segment ends the load there, and the other threads' work is dropped")
    func syntaxErrorFirst() {
        let valid = Self.document(seed: 6, count: 400, oneLine: true)
        let broken = valid.replacingOccurrences(of: #"{"keys": ["email:user3@"#, with: #"{"keys": [email:user3@"#)
        let outcome = Self.load(broken, threads: 2, minimumSegmentBytes: 97)
        #expect(outcome == Self.load(broken, threads: 1, minimumSegmentBytes: 1))
        #expect(outcome.segmentsTakenOver == 0)
        #expect(outcome.diagnostics.count == 1)
    }

    @Test("a guessed start that is not an element of the contacts array is never taken over")
    func wrongGuess() {
        // Every `,{"keys"` after the first contact is inside a contact's own "leads" array.
        let lead = #"{"pearlId": "p", "leadId": "a"},{"keys": [], "pearlId": "p", "leadId": "b"}"#
        let leads = Array(repeating: lead, count: 200).joined(separator: ",")
        let text = #"{"version": 1, "contacts": [{"keys": ["crm:1"], "leads": [\#(leads)]}]}"#
        for threads in [2, 4] {
            let outcome = Self.load(text, threads: threads, minimumSegmentBytes: 500)
            #expect(outcome == Self.load(text, threads: 1, minimumSegmentBytes: 1))
            #expect(outcome.segmentsTakenOver == 0)
        }
    }

    @Test("the guessed starts: after a comma, before a contact's first member, at least the minimum apart")
    func starts() {
        let contact = #"{"keys": ["crm:1"], "leads": [{"pearlId": "p", "leadId": "a"}]}"#
        let text =
            #"{"version": 1, "contacts": ["# + Array(repeating: contact, count: 100).joined(separator: ", ")
            + "]}"
        let bytes = Array(text.utf8)
        let starts = bytes.withUnsafeBufferPointer { MappingSegments.starts(in: $0, parts: 4, minimumBytes: 300) }
        #expect(starts.count == 3)
        for start in starts {
            #expect(bytes[start] == UInt8(ascii: "{"))
            #expect(String(decoding: bytes[(start - 2)..<(start + 3)], as: UTF8.self) == #", {"k"#)
        }
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 >= 300 })
        #expect(bytes.withUnsafeBufferPointer { MappingSegments.starts(in: $0, parts: 4, minimumBytes: 5_000) }.isEmpty)
    }
}
