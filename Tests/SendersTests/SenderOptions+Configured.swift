import Config
import Senders

extension SenderOptions {
    /// The options of a sender entry as the configuration hands them over: `json`'s keys in an entry of `type`,
    /// checked against the type's schema, with `env:` and `file:` references resolved against `environment`.
    static func configured(
        _ json: String, type: String, environment: [String: String] = [:], defaultCountryCode: String? = nil
    ) throws -> SenderOptions {
        let members = json.drop { $0 != "{" }.dropFirst()
        let separator = members.trimmingPrefix(while: \.isWhitespace).hasPrefix("}") ? "" : ", "
        let text = #"{"senders": [{"name": "x", "type": "\#(type)"\#(separator)\#(members)]}"#
        let configuration = try BridgeConfiguration.parse(
            Array(text.utf8), fileName: "optout-bridge.json", environment: environment,
            senderSchemas: SenderRegistry.schemas
        ).configuration
        let entry = configuration.senders[0]
        return SenderOptions(object: entry.options, file: entry.file, defaultCountryCode: defaultCountryCode)
    }
}
