import ArgumentParser
import Foundation
import Journal

/// The options of `journal export` and `suppression export`, and the export both run: the journal opened read-only,
/// written to standard output as JSON lines or CSV.
struct ExportOptions: ParsableArguments {
    @OptionGroup var config: ConfigurationOptions

    @Option(
        help: "Only what came since this date: opt-outs received, or keys first suppressed (YYYY-MM-DD or ISO 8601).")
    var since: String?

    @Option(help: "jsonl or csv.")
    var format = "jsonl"

    /// Runs `body` with the journal, the `--since` date, the format and a writer to standard output.
    func export(_ body: (Journal, Date?, Journal.ExportFormat, (String) throws -> Void) throws -> Void) throws {
        guard let exportFormat = Journal.ExportFormat(rawValue: format) else {
            throw CLIError.user("unknown format '\(format)'; use jsonl or csv")
        }
        let sinceDate = try since.map(JournalCommand.date)
        let journal = try JournalCommand.open(config)
        let output = FileHandle.standardOutput
        try body(journal, sinceDate, exportFormat) { output.write(Data($0.utf8)) }
    }
}
