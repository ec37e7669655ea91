import Foundation
import TestSupport
import Testing

@testable import Bridge

@Suite struct LogOutputTests {
    /// Lines written at the same time by several threads reach a pipe whole, each on its own line: short ones, which
    /// take no exclusive lock, and ones longer than a pipe holds, which the pipe takes in parts while other threads
    /// write.
    @Test func linesWrittenAtOnceArriveWhole() async throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let output = LogOutput(fileDescriptor: writeEnd)
        let writers = 4
        let linesEach = 300
        let long = 100_000  // more than the 64 KiB a pipe holds: its write blocks halfway
        let short = 200

        // Threads of their own, not the cooperative pool's: a write to a full pipe blocks its thread, the waits for
        // the writers block theirs, and splitting 30 MB into lines takes a second in a debug build.
        let lines = try await blocking {
            let received = Received()
            let done = DispatchGroup()
            done.enter()
            Thread {
                received.bytes = Self.readAll(readEnd)
                done.leave()
            }.start()
            let written = DispatchGroup()
            for writer in 0..<writers {
                written.enter()
                Thread {
                    let letter = UInt8(ascii: "a") + UInt8(writer)
                    for index in 0..<linesEach {
                        let length = index % 10 == 0 ? long : short
                        output.write([UInt8](repeating: letter, count: length) + [UInt8(ascii: "\n")])
                    }
                    written.leave()
                }.start()
            }
            written.wait()
            close(writeEnd)
            done.wait()
            close(readEnd)
            let lines = received.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            let broken = lines.count { line in
                !(line.count == long || line.count == short) || line.contains { $0 != line.first }
            }
            let perWriter = (0..<writers).map { writer in
                lines.count { $0.first == UInt8(ascii: "a") + UInt8(writer) }
            }
            return (count: lines.count, broken: broken, perWriter: perWriter)
        }

        #expect(lines.count == writers * linesEach)
        #expect(lines.broken == 0, "lines were interleaved")
        #expect(lines.perWriter == Array(repeating: linesEach, count: writers))
    }

    /// Everything the pipe gives until its write end is closed.
    private static func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return bytes }
            bytes += buffer[..<count]
        }
    }

    /// What the reading thread received, read once it has finished.
    private final class Received: @unchecked Sendable {
        var bytes: [UInt8] = []
    }
}
