extension StoredLead {
    /// The lead as Search Leads answers it (`LeadApiSearchView`): `timeZone` is always `null`, as the fake does
    /// not model time zones.
    func appendSearchView(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        FakeJSON.appendString(id.hex, to: &out)
        out.append(contentsOf: #","externalId":"#.utf8)
        if let externalId { FakeJSON.appendString(externalId, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","phoneNumber":"#.utf8)
        FakeJSON.appendString(phoneNumber, to: &out)
        out.append(contentsOf: #","timeZone":null,"status":"#.utf8)
        out.append(contentsOf: String(status).utf8)
        out.append(contentsOf: #","created":"#.utf8)
        FakeJSON.appendString(Self.iso8601(created), to: &out)
        out.append(contentsOf: #","callData":"#.utf8)
        if let callData {
            out.append(UInt8(ascii: "{"))
            for (index, key) in callData.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                FakeJSON.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                FakeJSON.appendString(callData[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The lead as Get Lead answers it (`LeadApiView`): the search view, and no calls yet.
    var getView: [UInt8] {
        var out: [UInt8] = []
        appendSearchView(to: &out)
        out.removeLast()
        out.append(contentsOf: #","callsId":[],"lastCall":null,"collectedData":null}"#.utf8)
        return out
    }

    /// A Search Leads answer: `{"count":N,"results":[...]}`.
    static func searchAnswer(count: Int, page: [StoredLead]) -> [UInt8] {
        var out: [UInt8] = Array(#"{"count":"#.utf8)
        out.reserveCapacity(page.count * 200 + 32)
        out.append(contentsOf: String(count).utf8)
        out.append(contentsOf: #","results":["#.utf8)
        for (index, lead) in page.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            lead.appendSearchView(to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// An Add Lead answer: `{"leadId":"..."}`.
    static func addAnswer(_ id: LeadID) -> [UInt8] {
        var out: [UInt8] = Array(#"{"leadId":"#.utf8)
        FakeJSON.appendString(id.hex, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ`, the form of the reference's example.
    ///
    /// By hand (Howard Hinnant's days-to-civil) rather than with a date formatter: a page formats a hundred.
    static func iso8601(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return
            "\(paddedYear)-\(two(month))-\(two(day))T\(two(time / 3_600)):\(two(time % 3_600 / 60)):\(two(time % 60))Z"
    }
}
