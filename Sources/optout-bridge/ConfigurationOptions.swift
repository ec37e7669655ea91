import ArgumentParser
import Config
import Foundation
import Senders

/// `--config FILE`, shared by every command that reads the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: "The configuration file (default: ./optout-bridge.json if it exists, else built-in defaults).")
    var file: String?

    /// Loads the configuration, or fails with every problem as `FILE:LINE:COLUMN: message` (exit 1).
    func load() throws -> BridgeConfiguration {
        do {
            let (configuration, warnings) = try BridgeConfiguration.load(
                file: file, environment: ProcessInfo.processInfo.environment, senderSchemas: SenderRegistry.schemas)
            for warning in warnings {
                FileHandle.standardError.write(Data("\(warning.labelled)\n".utf8))
            }
            return configuration
        } catch {
            throw CLIError.user(
                "the configuration is not valid:\n" + error.diagnostics.map { "  \($0)" }.joined(separator: "\n"))
        }
    }
}
