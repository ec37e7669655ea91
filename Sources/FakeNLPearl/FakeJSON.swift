import Foundation

/// A JSON value as the contract checks of the lead endpoints see it.
///
/// Read with `JSONSerialization`, then told apart by what it made: `true` is a boolean and not the number 1, and
/// `1.5` is not an integer. Not with `JSONDecoder`'s trial decodes, which throw an error for each wrong guess:
/// under Swift Testing every thrown error records a backtrace, and 50,000 leads took seconds.
enum FakeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([FakeJSON])
    case object([String: FakeJSON])

    /// The body as a JSON value; nil when it is not JSON.
    static func parse(_ body: [UInt8]) -> FakeJSON? {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return nil
        }
        return FakeJSON(parsed)
    }

    /// What `JSONSerialization` made of a value.
    private init(_ value: Any) {
        switch value {
        case is NSNull:
            self = .null
        case let string as String:
            self = .string(string)
        case let number as NSNumber:
            if type(of: number) == Self.booleanType {
                self = .bool(number.boolValue)
            } else if Self.isFloatingPoint(number) {
                self = .number(number.doubleValue)
            } else {
                self = .integer(number.int64Value)
            }
        case let array as [Any]:
            self = .array(array.map(FakeJSON.init))
        case let object as [String: Any]:
            self = .object(object.mapValues(FakeJSON.init))
        default:
            self = .null
        }
    }

    /// The class of `JSONSerialization`'s booleans (`__NSCFBoolean` on Linux and Darwin alike).
    private static let booleanType = type(of: NSNumber(value: true))

    private static func isFloatingPoint(_ number: NSNumber) -> Bool {
        let code = String(cString: number.objCType)
        return code == "d" || code == "f"
    }

    /// The JSON kind, for messages: `a string`, `null`, `an object`.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Appends `string` to `out` as a JSON string.
    static func appendString(_ string: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
