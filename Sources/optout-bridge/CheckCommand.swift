import ArgumentParser
import Bridge
import Config
import ContactMapping
import Foundation
import Journal
import OptOutCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validates the configuration and the mapping file.",
        discussion: "Prints counts and every problem as FILE:LINE:COLUMN: message; exits 1 on any error.")

    @OptionGroup var config: ConfigurationOptions

    func run() throws {
        let configuration = try config.load()
        _ = try printingDiagnostics(configuration.makeSenders, else: "the senders are not configured correctly")
        let mapping = try printingDiagnostics(
            configuration.loadMapping, else: "the mapping file \(configuration.mapping.file) has errors")
        for warning in mapping.warnings {
            print(warning.labelled)
        }
        let statistics = mapping.statistics
        print(
            "configuration: ok (\(configuration.senders.count) senders, \(configuration.api.tokens.count) API tokens)")
        print(
            "mapping \(configuration.mapping.file): \(statistics.contacts) contacts, \(statistics.keys) keys, "
                + "\(statistics.leads) leads, \(statistics.pearlIds) pearlIds")
        try reportSuppressedLeads(configuration, mapping)
        if configuration.nlpearl.token == nil, !configuration.dryRun {
            print("note: no NLPearl token is set; `serve` needs NLPEARL_API_TOKEN (or --dry-run)")
        }
    }
}

extension CheckCommand {
    /// What `make` makes; when it fails, each of its problems printed, then a failure that says `failure`.
    private func printingDiagnostics<Value, Failure: DiagnosticsError>(
        _ make: () throws(Failure) -> Value, else failure: String
    ) throws -> Value {
        do {
            return try make()
        } catch {
            for diagnostic in error.diagnostics {
                print(diagnostic)
            }
            throw CLIError.user(failure)
        }
    }

    /// How many leads of the mapping belong to suppressed contacts and were never deleted: what `serve` deletes on
    /// loading this file (SPEC §9). Silent when no journal exists yet.
    private func reportSuppressedLeads(_ configuration: BridgeConfiguration, _ mapping: Mapping) throws {
        guard FileManager.default.fileExists(atPath: configuration.journal.file) else {
            print("suppression: no journal at \(configuration.journal.file) yet, so no key is suppressed")
            return
        }
        let journal = try JournalCommand.open(config)
        let keys = try journal.suppressedKeysNow()
        let plan = try SuppressionEnforcer.plan(
            keys: keys, mapping: mapping, blacklistPhones: configuration.suppression.blacklistPhones,
            initialStatus: configuration.dryRun ? .dryRun : .pending, unjournaled: journal.unjournaledLeads)
        let leads = plan.reduce(0) { $0 + $1.leads.count }
        let contacts = plan.count { !$0.leads.isEmpty }
        let phones = plan.count { $0.blacklist != nil }
        print(
            "suppression: \(keys.count) keys suppressed; the mapping holds \(leads) leads of suppressed contacts "
                + "(\(contacts) keys) not deleted yet, and \(phones) suppressed phones are not on NLPearl's "
                + "blacklist yet"
                + (configuration.suppression.enforceOnMappingLoad
                    ? "; serve deletes and blacklists them when it loads this mapping"
                    : "; suppression.enforceOnMappingLoad is off, so serve leaves them"))
    }
}

struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup", abstract: "Prints the leads that keys such as email:jane@example.com resolve to.")

    @OptionGroup var config: ConfigurationOptions

    @Argument(help: "Keys: email:ADDRESS, phone:NUMBER, or SENDER:ID.")
    var keys: [String]

    func run() throws {
        let configuration = try config.load()
        let mapping: Mapping
        do {
            mapping = try configuration.loadMapping()
        } catch {
            throw CLIError.user(
                "the mapping file has errors:\n" + error.diagnostics.map { "  \($0)" }.joined(separator: "\n"))
        }
        for raw in keys {
            let key: ContactKey
            do {
                key = try ContactKey.parse(raw, defaultCountryCode: configuration.mapping.defaultCountryCode)
            } catch {
                throw CLIError.user("\(raw): \(error.message)")
            }
            let leads = mapping.leads(for: [key])
            if leads.isEmpty {
                print("\(key)\tno leads")
            }
            for lead in leads {
                print("\(key)\t\(lead.pearlId)\t\(lead.leadId)")
            }
        }
    }
}

extension BridgeConfiguration {
    /// The mapping file this configuration names.
    func loadMapping() throws(MappingError) -> Mapping {
        try Mapping.load(
            file: mapping.file, defaultCountryCode: mapping.defaultCountryCode, threads: MappingStore.startupThreads)
    }
}
