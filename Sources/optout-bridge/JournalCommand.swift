import ArgumentParser
import Bridge
import Config
import Foundation
import Journal
import OptOutCore

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Inspects and replays the journal; export is the audit trail.",
        subcommands: [List.self, Show.self, Retry.self, Export.self])

    /// Opens the journal named by the configuration.
    ///
    /// - Parameter create: whether a missing journal is created (a command that adds to it, such as `suppression
    ///   import` before the first `serve`), or is an error (the commands that read it).
    static func open(_ options: ConfigurationOptions, create: Bool = false) throws -> Journal {
        try open(try options.load(), create: create)
    }

    /// Opens the journal named by a configuration already loaded, as ``open(_:create:)-(ConfigurationOptions,_)``.
    static func open(_ configuration: BridgeConfiguration, create: Bool = false) throws -> Journal {
        guard create || FileManager.default.fileExists(atPath: configuration.journal.file) else {
            throw CLIError.user("no journal at \(configuration.journal.file) (journal.file); has serve run here?")
        }
        do {
            return try Journal(path: configuration.journal.file)
        } catch {
            throw CLIError.runtime("cannot open the journal \(configuration.journal.file): \(error)")
        }
    }

    /// Parses `2026-11-29` or `2026-11-29T10:00:00Z`.
    static func date(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        throw ValidationError("'\(text)' is not a date; use YYYY-MM-DD or an ISO 8601 time")
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists opt-outs, newest first.")

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "Only this status: deleted, queued, suppressed, not_deleted, rejected, dry_run, failed, invalid.")
        var status: String?

        @Option(help: "Only opt-outs received since this date (YYYY-MM-DD or ISO 8601).")
        var since: String?

        @Option(help: "At most this many.")
        var limit = 100

        func run() throws {
            let filter = try status.map { text in
                guard let status = OptOutStatus(rawValue: text) else {
                    throw CLIError.user(
                        "unknown status '\(text)'; use one of "
                            + OptOutStatus.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return status
            }
            let sinceDate = try since.map(JournalCommand.date)
            let journal = try JournalCommand.open(config)
            let records = try journal.list(status: filter, since: sinceDate, limit: limit)
            print("ID\tRECEIVED\tSOURCE\tSTATUS\tLEADS\tKEYS")
            for record in records {
                print(
                    "\(record.id)\t\(Timestamp.iso8601(record.receivedAt))\t\(record.source)\t"
                        + "\(record.status.rawValue)\t\(record.leads.count)\t\(record.keys.joined(separator: ","))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one opt-out with every attempt, as JSON.")

        @OptionGroup var config: ConfigurationOptions

        @Argument(help: "The opt-out id (op_…).")
        var id: String

        func run() throws {
            let journal = try JournalCommand.open(config)
            guard let record = try journal.record(id: id) else {
                throw CLIError.user("no opt-out with id \(id)")
            }
            print(String(decoding: OptOutView(record: record, detailed: true).json, as: UTF8.self))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Puts failed or dry-run leads back in the queue; a running serve picks them up within 30 s.",
            discussion: """
                An opt-out id requeues its failed leads and those journaled during a dry run. --all-dry-run replays \
                every opt-out acknowledged during a dry run, once the configuration no longer has dryRun: true.
                """)

        @OptionGroup var config: ConfigurationOptions

        @Argument(help: "The opt-out id to retry.")
        var id: String?

        @Flag(help: "Retry every failed opt-out.")
        var allFailed = false

        @Flag(help: "Send every lead and phone journaled during a dry run.")
        var allDryRun = false

        func validate() throws {
            guard [id != nil, allFailed, allDryRun].count(where: { $0 }) == 1 else {
                throw ValidationError("give an opt-out id, --all-failed or --all-dry-run")
            }
        }

        func run() async throws {
            let configuration = try config.load()
            let journal = try JournalCommand.open(configuration)
            // Rows requeued while dry-run is on would never be sent: serve rescans nothing in a dry run.
            if configuration.dryRun, try allDryRun || (id.map(journal.hasDryRunRows(id:)) ?? false) {
                throw CLIError.user(
                    "the configuration still has dryRun: true, so nothing would send the dry-run leads; set "
                        + "\"dryRun\": false (and serve without --dry-run), then run journal retry again")
            }
            let leads: [Journal.PendingLead]
            if allFailed {
                leads = try await journal.retryAllFailed()
            } else if allDryRun {
                leads = try await journal.retryAllDryRun()
            } else {
                leads = try await journal.retry(id: id!)
            }
            print("\(leads.count) leads queued again")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the audit trail: every opt-out, its leads and attempts, as JSON lines or CSV.")

        @OptionGroup var options: ExportOptions

        func run() throws {
            try options.export { try $0.export(since: $1, format: $2, write: $3) }
        }
    }
}
