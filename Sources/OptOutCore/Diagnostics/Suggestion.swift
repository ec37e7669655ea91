/// "Did you mean …?" for misspelt names, such as configuration keys and sender types.
public enum Suggestion {
    /// The candidate closest to `name` by edit distance, when it is close enough to be a plausible typo.
    ///
    /// A candidate that differs only in letter case always qualifies. Otherwise the edit distance must be at
    /// most a third of the longer name (at least 1, at most 3), so that unrelated names are not suggested.
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let lowered = Array(name.lowercased().unicodeScalars)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased().unicodeScalars)
            if other == lowered {
                return candidate
            }
            let limit = max(1, min(3, max(lowered.count, other.count) / 3))
            let distance = levenshtein(lowered, other)
            if distance <= limit, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// The optimal-string-alignment distance: single-scalar insertions, deletions, substitutions and swaps of
    /// neighbours (the commonest typo, `prot` for `port`) that turn `a` into `b`.
    static func levenshtein(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
