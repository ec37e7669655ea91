import Config
import OptOutCore
import Senders

extension BridgeConfiguration {
    /// Loads with every registered sender type, as the executable does.
    static func load(
        file: String?, environment: [String: String]
    ) throws(ConfigurationError) -> (configuration: BridgeConfiguration, warnings: [Diagnostic]) {
        try load(file: file, environment: environment, senderSchemas: SenderRegistry.schemas)
    }
}
