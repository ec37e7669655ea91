import ContactMapping
import Foundation
import JSON
import OptOutCore
import SenderSchema

extension BridgeConfiguration {
    /// The file used when none is named and it exists in the working directory.
    public static let defaultFileName = "optout-bridge.json"

    /// The environment variable that overrides `nlpearl.token`.
    public static let tokenVariable = "NLPEARL_API_TOKEN"

    /// Reads the configuration file.
    ///
    /// Without `file`, `./optout-bridge.json` is read if it exists, else the built-in defaults are used.
    /// Relative paths in the file (`mapping.file`, `journal.file`, the TLS files, `file:` references) are resolved
    /// against the file's folder. `NLPEARL_API_TOKEN` in `environment` overrides `nlpearl.token`; no token at all
    /// is not an error here (`serve` decides). Each `senders[]` entry is checked against the schema of its type
    /// among `senderSchemas`: the configuration knows no sender type of its own.
    ///
    /// - Returns: the configuration and the warnings (such as a secret written into the file).
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func load(
        file: String?, environment: [String: String], senderSchemas: [SenderSchema]
    ) throws(ConfigurationError) -> (configuration: BridgeConfiguration, warnings: [Diagnostic]) {
        let path: String
        if let file {
            path = file
        } else if FileManager.default.fileExists(atPath: defaultFileName) {
            path = defaultFileName
        } else {
            return try defaults(environment: environment)
        }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path: path, maximumSize: 16 << 20)
        } catch {
            throw ConfigurationError(diagnostics: [
                .error("cannot read the configuration file: \(error.reason)", file: path, at: nil)
            ])
        }
        return try parse(bytes, fileName: path, environment: environment, senderSchemas: senderSchemas)
    }

    /// Decodes the text of a configuration file.
    ///
    /// - Parameters:
    ///   - bytes: the JSON text.
    ///   - fileName: the file's name as given: diagnostics use it, and relative paths resolve against its folder.
    ///   - environment: the variables that `env:` references and `NLPEARL_API_TOKEN` read.
    ///   - senderSchemas: the sender types and their keys.
    public static func parse(
        _ bytes: [UInt8], fileName: String, environment: [String: String], senderSchemas: [SenderSchema]
    ) throws(ConfigurationError) -> (configuration: BridgeConfiguration, warnings: [Diagnostic]) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw ConfigurationError(diagnostics: [.error(error.message, file: fileName, at: error.position)])
        }
        var decoder = ConfigurationDecoder(fileName: fileName, environment: environment, senderSchemas: senderSchemas)
        let configuration = decoder.decode(root)
        guard decoder.errors.isEmpty else {
            throw ConfigurationError(diagnostics: inFileOrder(decoder.errors))
        }
        return (configuration, inFileOrder(decoder.warnings))
    }

    /// Diagnostics sorted by position (those without one first), keeping the order of equals.
    private static func inFileOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let left = a.element.position ?? SourcePosition(line: 0, column: 0)
            let right = b.element.position ?? SourcePosition(line: 0, column: 0)
            return left == right ? a.offset < b.offset : left < right
        }.map(\.element)
    }

    /// The built-in defaults, with the token from `NLPEARL_API_TOKEN` if set.
    static func defaults(
        environment: [String: String]
    ) throws(ConfigurationError) -> (configuration: BridgeConfiguration, warnings: [Diagnostic]) {
        // The defaults configure no sender, so no sender type needs to be known.
        var decoder = ConfigurationDecoder(fileName: "<defaults>", environment: environment, senderSchemas: [])
        let configuration = decoder.decode(JSONValue(.object([])))
        guard decoder.errors.isEmpty else {
            throw ConfigurationError(diagnostics: decoder.errors)
        }
        return (configuration, decoder.warnings)
    }
}
