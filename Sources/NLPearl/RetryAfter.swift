/// Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
///
/// Written by hand rather than with `DateFormatter`: it runs on every 429/503 under load, accepts
/// exactly the three date forms of RFC 9110 §5.6.7, and is pure, so it is tested without a clock.
enum RetryAfter {
    /// The delay that `value` asks for, measured from `now` (seconds since 1970); nil when the
    /// value is neither form. A date in the past asks for no delay.
    static func parse(_ value: Substring, now: Double) -> Duration? {
        let trimmed = value.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Absurdly long values saturate instead of overflowing.
            guard trimmed.utf8.count <= 12, let seconds = Int64(trimmed) else { return .seconds(Int64(1) << 40) }
            return .seconds(seconds)
        }
        guard let date = httpDate(trimmed) else { return nil }
        let delay = Double(date) - now
        return delay > 0 ? .milliseconds(Int64((delay * 1000).rounded(.up))) : .zero
    }

    /// Seconds since 1970 of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), an RFC 850 date
    /// (`Sunday, 06-Nov-94 08:49:37 GMT`) or an asctime date (`Sun Nov  6 08:49:37 1994`).
    static func httpDate(_ text: Substring) -> Int64? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" })
        let day: Substring, month: Substring, year: Substring, time: Substring
        switch tokens.count {
        case 6 where tokens[5] == "GMT":
            (day, month, year, time) = (tokens[1], tokens[2], tokens[3], tokens[4])
        case 5:
            (month, day, time, year) = (tokens[1], tokens[2], tokens[3], tokens[4])
        default:
            return nil
        }
        guard dayNames.contains(String(tokens[0])),
            let monthIndex = monthNames.firstIndex(of: String(month)),
            let dayNumber = Int(day), (1...31).contains(dayNumber), day.count <= 2,
            var yearNumber = Int(year), year.count == 4 || year.count == 2
        else { return nil }
        if year.count == 2 {
            // RFC 850 two-digit years: the nearest century; NLPearl's dates are all after 1970.
            yearNumber += yearNumber < 70 ? 2000 : 1900
        }
        let clock = time.split(separator: ":")
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysSince1970(year: yearNumber, month: monthIndex + 1, day: dayNumber)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static let dayNames: Set<String> = [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]

    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Int64(era * 146_097 + dayOfEra - 719_468)
    }
}

extension Substring {
    /// The substring without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
