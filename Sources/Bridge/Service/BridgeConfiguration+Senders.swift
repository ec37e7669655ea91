import Config
import Foundation
import OptOutCore
import Senders

extension BridgeConfiguration {
    /// Builds the configured senders; problems come with their place in the configuration file.
    public func makeSenders(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SenderConfigurationError) -> [any WebhookSender]
    {
        var senders: [any WebhookSender] = []
        var diagnostics: [Diagnostic] = []
        let baseDirectory = sourceFile.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
        for entry in self.senders {
            let options = SenderOptions(
                object: entry.options, file: entry.file, environment: environment, baseDirectory: baseDirectory,
                defaultCountryCode: mapping.defaultCountryCode)
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
