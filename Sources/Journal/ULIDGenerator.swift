import Synchronization

/// Makes ULIDs: 26 characters of Crockford base32, 48 bits of Unix milliseconds then 80 random bits.
///
/// Within one millisecond (or if the clock steps back) the random part is incremented instead of drawn
/// again, as the ULID spec's monotonic mode does, so that ids made by one generator always sort in the
/// order they were made.
final class ULIDGenerator: Sendable {
    private struct State {
        var milliseconds: UInt64 = 0
        var random: UInt128 = 0
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    private static let randomMask: UInt128 = (1 << 80) - 1
    private let state = Mutex(State())

    /// A new ULID for the time `milliseconds` (Unix), greater than every ULID this generator made before.
    func next(milliseconds now: Int64) -> String {
        let (time, random) = state.withLock { state -> (UInt64, UInt128) in
            let now = UInt64(max(0, min(now, (1 << 48) - 1)))
            if now > state.milliseconds {
                var generator = SystemRandomNumberGenerator()
                state.milliseconds = now
                state.random = (UInt128(generator.next() as UInt16) << 64) | UInt128(generator.next() as UInt64)
            } else if state.random == Self.randomMask {
                // 2^80 ids in one millisecond cannot happen; moving on a millisecond keeps the order anyway.
                state.milliseconds += 1
                state.random = 0
            } else {
                state.random += 1
            }
            return (state.milliseconds, state.random)
        }
        return Self.encode(time: time, random: random)
    }

    /// The 26-character text of a ULID.
    static func encode(time: UInt64, random: UInt128) -> String {
        var bytes = [UInt8](repeating: 0, count: 26)
        for i in 0..<10 {
            bytes[i] = alphabet[Int((time >> UInt64(45 - 5 * i)) & 31)]
        }
        for i in 0..<16 {
            bytes[10 + i] = alphabet[Int((random >> UInt128(75 - 5 * i)) & 31)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
