import ArgumentParser
import Bridge
import Config
import Foundation
import Senders

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Prints the headers that the named sender would attach to a body, to sign a curl test by hand.",
        discussion: """
            The body is read from --file or standard input and signed exactly as read: send it with \
            `curl --data-binary @FILE`, never `--data`, which strips newlines. With --format curl the output is a \
            whole curl command line.
            """)

    @Option(help: "The sender's name in the configuration.")
    var sender: String

    @OptionGroup var config: ConfigurationOptions

    @Option(
        help: "The URL the request goes to (default: the sender's publicURL, else http://127.0.0.1:PORT/hooks/NAME).")
    var url: String?

    @Option(help: "The body file (default: standard input).")
    var file: String?

    @Option(help: "A PEM private key, for senders that sign with the vendor's key (sendgrid, gohighlevel).")
    var privateKey: String?

    @Option(help: "headers (one 'Name: value' per line, after the URL) or curl.")
    var format = "headers"

    func run() throws {
        guard ["headers", "curl"].contains(format) else { throw CLIError.user("--format is headers or curl") }
        let configuration = try config.load()
        guard let entry = configuration.sender(named: sender) else {
            let names = configuration.senders.map(\.name)
            throw CLIError.user(
                "no sender named '\(sender)' in the configuration"
                    + (names.isEmpty ? "" : "; configured: \(names.joined(separator: ", "))"))
        }
        let senders: [any WebhookSender]
        do {
            senders = try configuration.makeSenders()
        } catch {
            throw CLIError.user(error.description)
        }
        guard let webhookSender = senders.first(where: { $0.name == entry.name }) else {
            throw CLIError.user("sender '\(sender)' could not be built")
        }
        let body: [UInt8]
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError.user("cannot read \(file)")
            }
            body = Array(data)
        } else {
            body = Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        let pem = try privateKey.map { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIError.user("cannot read the private key \(path)")
            }
            return text
        }
        let target =
            url ?? entry["publicURL"]?.asString
            ?? "http://127.0.0.1:\(configuration.listen.port)/hooks/\(entry.name)"
        let signed: SignedRequest
        do {
            signed = try webhookSender.sign(body: body, url: target, now: Date(), privateKeyPEM: pem)
        } catch {
            throw CLIError.user(error.message)
        }
        switch format {
        case "curl":
            var command = "curl -sS -i -X POST \(Self.quote(signed.url))"
            for header in signed.headers {
                command += " -H \(Self.quote("\(header.name): \(header.value)"))"
            }
            command += " --data-binary @\(Self.quote(file ?? "-"))"
            print(command)
        default:
            print(signed.url)
            for header in signed.headers {
                print("\(header.name): \(header.value)")
            }
        }
    }

    /// Single-quotes for a POSIX shell.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
