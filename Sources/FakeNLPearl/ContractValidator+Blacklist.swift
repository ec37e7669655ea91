import JSON

extension ContractValidator {
    /// The longest blacklist entry, in characters.
    public static let maxBlacklistEntryLength = 25

    /// The numbers of an `AddRemoveNumbersToBlacklistRequest` body, or how the body breaks the contract.
    ///
    /// NLPearl's published reference (https://developers.nlpearl.ai/api-reference/v2/account/add-to-blacklist)
    /// describes the body as `{"phoneNumbers": string[] | null}`, each entry "a full phone number
    /// (e.g. +1234567890)" or a prefix that blocks a range ("+41", "+41837"), at most 25 characters, with no
    /// duplicates in the list. The fake holds requests to that, and to four readings of its own, each a
    /// client bug whatever NLPearl does with it:
    ///
    /// - `phoneNumbers` missing, `null` or empty is refused: the endpoint "adds one or more phone numbers",
    ///   and what NLPearl answers to none is not documented.
    /// - Other members are refused: the stored page does not show the component schema, and NLPearl's
    ///   generator writes `additionalProperties: false` for its request schemas (as for `DeleteLeadsRequestApi`).
    /// - A member sent twice is refused, as by every contract check of the fake (``uniqueMembers(_:of:prefix:)``).
    /// - An entry is `+` and then ASCII digits only, no spaces or dashes: the documented examples are all of
    ///   that form, and the bridge keeps phone keys in normalised E.164.
    ///
    /// The first entry at fault is named, as `phoneNumbers[2]`; a duplicate names its second occurrence.
    static func phoneNumbers(in body: [UInt8]) -> Result<[String], Violation> {
        let array: [JSONValue]
        switch itemsToAdd(
            in: body, schema: "AddRemoveNumbersToBlacklistRequest", member: "phoneNumbers", items: "numbers")
        {
        case .failure(let violation): return .failure(violation)
        case .success(let found): array = found
        }
        var firstIndex: [String: Int] = [:]
        var numbers: [String] = []
        numbers.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            let field = "phoneNumbers[\(index)]"
            guard let number = element.asString else {
                return refuse("\(field) is not a string", field)
            }
            guard number.count <= maxBlacklistEntryLength else {
                return refuse(
                    "\(field) has \(number.count) characters; an entry has at most \(maxBlacklistEntryLength)", field)
            }
            guard isNumberOrPrefix(number) else {
                return refuse(
                    "\(field) \"\(number)\" is not a phone number or prefix in E.164 form: "
                        + "+ followed by digits, such as +15551234567 or +41", field)
            }
            if let first = firstIndex[number] {
                return refuse(
                    "\(field) \"\(number)\" repeats phoneNumbers[\(first)]; duplicates are not allowed", field)
            }
            firstIndex[number] = index
            numbers.append(number)
        }
        return .success(numbers)
    }

    /// `+` followed by one or more ASCII digits.
    static func isNumberOrPrefix(_ entry: String) -> Bool {
        let bytes = entry.utf8
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "+") else { return false }
        return bytes.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
