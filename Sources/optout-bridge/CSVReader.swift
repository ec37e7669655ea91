/// Reads RFC 4180 CSV, keeping each record's text as it was, so that `suppression filter` prints rows unchanged.
enum CSVReader {
    /// One record: its fields, unquoted, its text with the line break that ended it, and the line it starts on.
    struct Record {
        var fields: [String]
        var text: String
        var line: Int
    }

    /// The records of `bytes`: fields split at commas outside quotes, `""` inside quotes as one quote, records
    /// ended by LF or CRLF outside quotes. A final record without a line break is kept.
    static func records(_ bytes: [UInt8]) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var start = 0
        var line = 1
        var recordLine = 1
        var quoted = false
        var index = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): quoted = true
                case UInt8(ascii: ","): endField()
                case UInt8(ascii: "\r") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                    break
                case UInt8(ascii: "\n"):
                    endField()
                    records.append(
                        Record(
                            fields: fields, text: String(decoding: bytes[start...index], as: UTF8.self),
                            line: recordLine))
                    fields.removeAll()
                    start = index + 1
                    line += 1
                    recordLine = line
                default: field.append(byte)
                }
            }
            index += 1
        }
        if start < bytes.count {
            endField()
            records.append(
                Record(fields: fields, text: String(decoding: bytes[start...], as: UTF8.self) + "\n", line: recordLine))
        }
        return records
    }
}
