import MicroHTTP

extension HTTPFields {
    /// Fields named as text, in order, as the tests write vendor headers.
    ///
    /// `HTTPField.Name` is not expressible by a string literal, so the dictionary literal of `HTTPFields` cannot
    /// take `"X-HubSpot-Signature"`; a name that is not a token traps, as a mistake in the test.
    init(_ pairs: KeyValuePairs<String, String>) {
        self.init()
        reserveCapacity(pairs.count)
        for (name, value) in pairs { add(name: name, value: value) }
    }
}
