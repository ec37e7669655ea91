import ArgumentParser
import Foundation

/// `optout-bridge`: the service and its operator tools.
///
/// Exit codes (SPEC §2): 0 success, 1 a user error (bad configuration or arguments), 2 a runtime failure.
@main
struct OptOutBridgeCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "optout-bridge",
        abstract: "Deletes NLPearl leads when a contact opts out in a CRM.",
        discussion: "Exit codes: 0 success, 1 user error (configuration, arguments), 2 runtime failure.",
        version: version,
        subcommands: [
            ServeCommand.self, CheckCommand.self, LookupCommand.self, DeleteCommand.self, JournalCommand.self,
            SuppressionCommand.self, MappingCommand.self,
            SignCommand.self, VersionCommand.self,
        ])

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("optout-bridge: \(error.message)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // ArgumentParser's usage errors are user errors: exit 1, as documented, not its own 64.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
    }
}

/// An error the CLI reports in one message, with its exit code.
struct CLIError: Error {
    var message: String
    var exitCode: Int32

    static func user(_ message: String) -> CLIError { CLIError(message: message, exitCode: 1) }
    static func runtime(_ message: String) -> CLIError { CLIError(message: message, exitCode: 2) }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Prints the version.")

    func run() {
        print("optout-bridge \(OptOutBridgeCommand.version)")
    }
}
