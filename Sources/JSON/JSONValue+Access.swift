extension JSONValue {
    /// The value of the member named `key` of an object; the last one if the key is repeated (as JavaScript and
    /// most parsers do). `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = kind else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The element at `index` of an array; `nil` out of range or for a value that is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = kind, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The string, if this is a string.
    public var asString: String? {
        if case .string(let value) = kind { return value }
        return nil
    }

    /// The Boolean, if this is `true` or `false`.
    public var asBool: Bool? {
        if case .bool(let value) = kind { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var asArray: [JSONValue]? {
        if case .array(let elements) = kind { return elements }
        return nil
    }

    /// The members in source order, if this is an object.
    public var asObject: [JSONMember]? {
        if case .object(let members) = kind { return members }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The literal text, if this is a number.
    public var numberLiteral: String? {
        if case .number(let literal) = kind { return literal }
        return nil
    }

    /// The number as a `Double` (rounded to the nearest), if this is a number.
    public var doubleValue: Double? {
        guard case .number(let literal) = kind else { return nil }
        return Double(literal)
    }

    /// The number as an `Int`, if this is a number with an integral value that fits (`3`, `3.0` and `3e0` all
    /// give 3; `3.5` and `1e30` give `nil`).
    public var intValue: Int? {
        guard case .number(let literal) = kind else { return nil }
        if let exact = Int(literal) {
            return exact
        }
        guard let double = Double(literal), double.rounded(.towardZero) == double,
            double >= -9.223_372_036_854_775_808e18, double < 9.223_372_036_854_775_808e18
        else { return nil }
        return Int(double)
    }

    /// What kind of value this is, for messages: `null`, `a Boolean`, `a number`, `a string`, `an array` or
    /// `an object`.
    public var kindDescription: String {
        switch kind {
        case .null: "null"
        case .bool: "a Boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value that `pointer` designates (RFC 6901), or `nil` if there is none.
    public func at(pointer: JSONPointer) -> JSONValue? {
        var current = self
        for token in pointer.tokens {
            switch current.kind {
            case .object:
                guard let next = current[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = JSONPointer.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The value that the RFC 6901 pointer `pointer` designates; `nil` if there is none or the pointer is invalid.
    public func at(pointer: String) -> JSONValue? {
        guard let parsed = try? JSONPointer(pointer) else { return nil }
        return at(pointer: parsed)
    }
}
