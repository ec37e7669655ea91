import Config
import Foundation
import OptOutCore
import Senders

extension BridgeConfiguration {
    /// Reads the configuration file, checking each sender entry against the schema of its type in
    /// ``Senders/SenderRegistry``; see ``Config/BridgeConfiguration/load(file:environment:senderSchemas:)``.
    public static func load(
        file: String?, environment: [String: String]
    ) throws(ConfigurationError) -> (configuration: BridgeConfiguration, warnings: [Diagnostic]) {
        try load(file: file, environment: environment, senderSchemas: SenderRegistry.schemas)
    }

    /// Builds the configured senders; problems come with their place in the configuration file.
    ///
    /// The entries were checked and their `env:` and `file:` references resolved when the configuration was loaded.
    public func makeSenders() throws(SenderConfigurationError) -> [any WebhookSender] {
        var senders: [any WebhookSender] = []
        var diagnostics: [Diagnostic] = []
        for entry in self.senders {
            let options = SenderOptions(
                object: entry.options, file: entry.file, defaultCountryCode: mapping.defaultCountryCode)
            do {
                senders.append(try SenderRegistry.make(name: entry.name, type: entry.type, options: options))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        guard diagnostics.isEmpty else { throw SenderConfigurationError(diagnostics: diagnostics) }
        return senders
    }
}
