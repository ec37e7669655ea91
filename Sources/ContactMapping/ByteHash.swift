/// A fast 64-bit hash of a byte string, for the mapping's tables.
///
/// Eight bytes at a time with a multiply-rotate round and a final avalanche (MurmurHash3's `fmix64`), so that
/// similar keys (`hubspot:1000001`, `hubspot:1000002`) spread over the table. The mapping file is the operator's,
/// and lookups cannot add entries, so an unkeyed hash is enough here.
@inline(__always)
func byteHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
    guard let base = bytes.baseAddress else { return avalanche(hash) }
    let raw = UnsafeRawPointer(base)
    let count = bytes.count
    var offset = 0
    while offset + 8 <= count {
        hash = round(hash, raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        offset += 8
    }
    if offset < count {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count {
            tail |= UInt64(base[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = round(hash, tail)
    }
    return avalanche(hash)
}

@inline(__always)
private func round(_ hash: UInt64, _ word: UInt64) -> UInt64 {
    let mixed = hash ^ (word &* 0x87C3_7B91_1142_53D5)
    return ((mixed << 31) | (mixed >> 33)) &* 0x4CF5_AD43_2745_937F
}

@inline(__always)
private func avalanche(_ value: UInt64) -> UInt64 {
    var hash = value
    hash ^= hash >> 33
    hash = hash &* 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    hash = hash &* 0xC4CE_B9FE_1A85_EC53
    hash ^= hash >> 33
    return hash
}
