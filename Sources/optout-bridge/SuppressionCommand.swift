import ArgumentParser
import Bridge
import Config
import ContactMapping
import Foundation
import Journal
import OptOutCore

/// `optout-bridge suppression …`: the do-not-call register (SPEC §9), read and kept from the command line.
struct SuppressionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppression",
        abstract: "Reads and keeps the suppression list: every key ever opted out, never forgotten.",
        subcommands: [List.self, Check.self, Export.self, Import.self, Filter.self, Remove.self])

    /// A key as an operator writes it: `NAMESPACE:VALUE`, or a bare email address or phone number.
    static func key(_ text: String, defaultCountryCode: String?) throws(ContactKeyError) -> ContactKey {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if !trimmed.contains(":") {
            if trimmed.contains("@") { return try .email(trimmed) }
            return try .phone(trimmed, defaultCountryCode: defaultCountryCode)
        }
        return try .parse(trimmed, defaultCountryCode: defaultCountryCode)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists suppressed keys, oldest first.")

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "Only keys first suppressed since this date (YYYY-MM-DD or ISO 8601).")
        var since: String?

        func run() throws {
            let sinceDate = try since.map(JournalCommand.date)
            let journal = try JournalCommand.open(config)
            print("KEY\tSINCE\tFIRST_SOURCE\tOPT_OUTS\tLATEST_OPT_OUT\tBLACKLIST")
            try journal.eachSuppression(since: sinceDate) { record in
                print(
                    "\(record.key)\t\(Timestamp.iso8601(record.firstAt))\t\(record.firstSource)\t"
                        + "\(record.optOutCount)\t\(record.latestOptOutId)\t\(record.blacklist?.rawValue ?? "-")")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Says for each key whether it is suppressed, since when and by which opt-outs.")

        @OptionGroup var config: ConfigurationOptions

        @Argument(help: "Keys: email:ADDRESS, phone:NUMBER, SENDER:ID, or a bare address or number.")
        var keys: [String]

        func run() throws {
            let configuration = try config.load()
            let journal = try JournalCommand.open(config)
            var parsed: [(String, ContactKey)] = []
            for text in keys {
                do {
                    parsed.append(
                        (
                            text,
                            try SuppressionCommand.key(
                                text, defaultCountryCode: configuration.mapping.defaultCountryCode)
                        ))
                } catch {
                    throw CLIError.user("\(text): \(error.message)")
                }
            }
            let found = try journal.suppressionsNow(keys: parsed.map(\.1.description))
            for (_, key) in parsed {
                guard let record = found[key.description] else {
                    print("\(key)\tnot suppressed")
                    continue
                }
                var line =
                    "\(key)\tsuppressed since \(Timestamp.iso8601(record.firstAt)) by \(record.firstOptOutId) "
                    + "(\(record.firstSource)); \(record.optOutCount) opt-outs, latest \(record.latestOptOutId)"
                if let blacklist = record.blacklist { line += "; blacklist: \(blacklist.rawValue)" }
                print(line)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the suppression list as JSON lines or CSV, for another do-not-call system.")

        @OptionGroup var options: ExportOptions

        func run() throws {
            try options.export { try $0.exportSuppressions(since: $1, format: $2, write: $3) }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suppresses the keys of another do-not-call list, journaled as opt-outs of source import.",
            discussion: """
                FILE has one key a line: email:ADDRESS, phone:NUMBER, SENDER:ID, or a bare address or number; blank \
                lines and lines starting with # are skipped. Each key is resolved through the mapping and, with \
                campaigns.searchOnOptOut, searched in the listed campaigns; a running serve deletes its leads and \
                blacklists its phone within 30 s. Importing the same key again changes \
                nothing. Lines that are not keys are reported as FILE:LINE and the rest is imported (exit 1).
                """)

        @OptionGroup var config: ConfigurationOptions

        @Argument(help: "The file of keys.")
        var file: String

        func run() async throws {
            let configuration = try config.load()
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIError.user("cannot read \(file)")
            }
            let mapping = loadMappingIfAny(configuration)
            var items: [Journal.NewOptOut] = []
            var problems: [String] = []
            let countryCode = configuration.mapping.defaultCountryCode
            // Searched in the listed campaigns like any opt-out (SPEC §10), so that a running serve deletes the
            // leads that NLPearl holds and the mapping does not, without waiting for the next sweep.
            let search = Intake.Search(configuration.campaigns)
            for (index, line) in String(decoding: contents, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false
            ).enumerated() {
                let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty, !text.hasPrefix("#") else { continue }
                do {
                    let key = try SuppressionCommand.key(text, defaultCountryCode: countryCode)
                    let phones =
                        configuration.suppression.blacklistPhones && key.namespace == "phone" ? [key.value] : []
                    items.append(
                        Journal.NewOptOut(
                            source: "import", idempotencyKey: key.description, keys: [key.description],
                            identifiers: [text], leads: mapping?.leads(for: key) ?? [], blacklist: phones,
                            searches: search?.rows(for: [key]) ?? [],
                            initialStatus: configuration.dryRun ? .dryRun : .pending,
                            reason: mapping?.leads(for: key).isEmpty == false ? nil : "unmapped"))
                } catch {
                    problems.append("\(file):\(index + 1): \(error.message)")
                }
            }
            let journal = try JournalCommand.open(config, create: true)
            let results = try await journal.append(items)
            let created = results.count { !$0.isDuplicate }
            let leads = results.filter { !$0.isDuplicate }.reduce(0) { total, result in
                total + result.record.leads.count { $0.kind == .delete }
            }
            print(
                "\(created) keys suppressed, \(results.count - created) already imported; \(leads) mapped leads "
                    + "queued for deletion")
            for problem in problems {
                FileHandle.standardError.write(Data("\(problem)\n".utf8))
            }
            if !problems.isEmpty {
                throw CLIError.user(
                    problems.count == 1
                        ? "1 line is not a key; the others were imported"
                        : "\(problems.count) lines are not keys; the others were imported")
            }
        }

        private func loadMappingIfAny(_ configuration: BridgeConfiguration) -> Mapping? {
            guard FileManager.default.fileExists(atPath: configuration.mapping.file) else { return nil }
            do {
                return try configuration.loadMapping()
            } catch {
                FileHandle.standardError.write(
                    Data(
                        ("warning: the mapping \(configuration.mapping.file) has errors, so no lead is resolved now; "
                            + "serve deletes the leads when it loads a good mapping\n").utf8))
                return nil
            }
        }
    }

    struct Filter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints the rows of a CSV file whose key column is not suppressed, to import only those.",
            discussion: """
                The header row is printed first. The column's values are keys (email:…, phone:…), or bare values of \
                the namespace named by --namespace, or by the column itself when it is called email or phone. Rows \
                whose value is not a key are printed too, with a warning on standard error naming FILE:LINE.
                """)

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "The column that holds the key (its header).")
        var column: String

        @Option(help: "The namespace of bare values: email, phone or a sender name.")
        var namespace: String?

        @Argument(help: "The CSV file (RFC 4180, with a header row).")
        var file: String

        func run() throws {
            let configuration = try config.load()
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIError.user("cannot read \(file)")
            }
            let records = CSVReader.records(Array(contents))
            guard let header = records.first else { throw CLIError.user("\(file) is empty") }
            guard let columnIndex = header.fields.firstIndex(of: column) else {
                throw CLIError.user(
                    "\(file) has no column '\(column)'; its columns are \(header.fields.joined(separator: ", "))")
            }
            let bareNamespace =
                namespace ?? (["email", "phone"].contains(column.lowercased()) ? column.lowercased() : nil)
            let countryCode = configuration.mapping.defaultCountryCode
            var keyed: [(CSVReader.Record, String?)] = []
            for record in records.dropFirst() {
                let value = columnIndex < record.fields.count ? record.fields[columnIndex] : ""
                do {
                    let key =
                        if let bareNamespace, !value.contains(":") || bareNamespace == "phone" {
                            try ContactKey(namespace: bareNamespace, value: value, defaultCountryCode: countryCode)
                        } else {
                            try SuppressionCommand.key(value, defaultCountryCode: countryCode)
                        }
                    keyed.append((record, key.description))
                } catch {
                    FileHandle.standardError.write(
                        Data("\(file):\(record.line): '\(value)' is not a key (\(error.message)); row kept\n".utf8))
                    keyed.append((record, nil))
                }
            }
            let journal = try JournalCommand.open(config)
            let suppressed = try journal.suppressionsNow(keys: keyed.compactMap(\.1))
            let output = FileHandle.standardOutput
            output.write(Data(header.text.utf8))
            var dropped = 0
            for (record, key) in keyed {
                if let key, suppressed[key] != nil {
                    dropped += 1
                    continue
                }
                output.write(Data(record.text.utf8))
            }
            FileHandle.standardError.write(
                Data("\(keyed.count - dropped) rows kept, \(dropped) suppressed rows left out\n".utf8))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Takes a key off the suppression list after a deliberate re-consent; audited, never automatic.",
            discussion: """
                The removed entry and the reason are kept in the journal. NLPearl's account blacklist is not touched: \
                a phone number stays blacklisted there until it is removed in NLPearl's dashboard.
                """)

        @OptionGroup var config: ConfigurationOptions

        @Argument(help: "The key to remove, such as email:jane@example.com.")
        var key: String

        @Option(help: "Why: the re-consent's reference (kept in the journal).")
        var reason: String

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why the contact may be called again")
            }
        }

        func run() async throws {
            let configuration = try config.load()
            let parsed: ContactKey
            do {
                parsed = try SuppressionCommand.key(key, defaultCountryCode: configuration.mapping.defaultCountryCode)
            } catch {
                throw CLIError.user("\(key): \(error.message)")
            }
            let journal = try JournalCommand.open(config)
            guard let removed = try await journal.removeSuppression(key: parsed.description, reason: reason) else {
                throw CLIError.user("\(parsed) is not on the suppression list")
            }
            print(
                "\(parsed) removed from the suppression list (suppressed since \(Timestamp.iso8601(removed.firstAt)), "
                    + "\(removed.optOutCount) opt-outs); the removal and its reason are journaled")
            if parsed.namespace == "phone" {
                print(
                    "note: NLPearl's account blacklist is not changed: remove \(parsed.value) there (dashboard) if the "
                        + "person may be called again")
            } else {
                print("note: NLPearl's account blacklist is not changed by this command")
            }
        }
    }
}
