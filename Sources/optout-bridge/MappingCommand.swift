import ArgumentParser
import Bridge
import Config
import Foundation
import NLPearl
import OptOutCore

#if canImport(Glibc)
    import Glibc
#endif

struct MappingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapping",
        abstract: "Builds the mapping file from NLPearl's campaigns.",
        subcommands: [Sync.self])

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Writes a mapping file from the leads of every campaigns.pearlIds campaign.",
            discussion: """
                One contact per person: keys phone: (normalised with mapping.defaultCountryCode) and, with \
                campaigns.externalIdNamespace set, NAMESPACE:externalId; leads with the same phone or external id \
                are merged. The file is replaced atomically, so a running serve picks it up like any change; if \
                NLPearl fails (exit 2), an existing file is left as it was.
                """)

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "The mapping file to write (default: mapping.file of the configuration).")
        var out: String?

        func run() async throws {
            let configuration = try config.load()
            let pearlIds = configuration.campaigns.pearlIds
            guard !pearlIds.isEmpty else {
                throw CLIError.user(
                    "campaigns.pearlIds is empty: list the campaigns to read in the configuration, such as "
                        + #""campaigns": {"pearlIds": ["6720c0f8e4b0a1b2c3d4e5f6"]}"#)
            }
            guard let token = configuration.nlpearl.token else {
                throw CLIError.user(
                    "no NLPearl token: set NLPEARL_API_TOKEN (or nlpearl.token, as \"env:NAME\" or \"file:PATH\")")
            }
            let file = out ?? configuration.mapping.file
            let client = NLPearlClient(
                configuration: .init(
                    baseURL: configuration.nlpearl.baseURL, token: token.reveal(),
                    timeout: .milliseconds(Int64(configuration.nlpearl.timeoutSeconds * 1000))))
            var reader = LeadReader(
                countryCode: configuration.mapping.defaultCountryCode,
                namespace: configuration.campaigns.externalIdNamespace,
                progress: SyncProgress(isTerminal: isatty(STDERR_FILENO) == 1, campaigns: pearlIds.count))
            for (index, pearlId) in pearlIds.enumerated() {
                do {
                    for try await lead in client.allLeads(campaignId: pearlId) {
                        reader.read(lead, of: pearlId, campaign: index + 1)
                    }
                } catch {
                    reader.progress.abandon()
                    throw CLIError.runtime("campaign \(pearlId): \(error); \(file) is left as it was")
                }
            }
            do {
                try AtomicFile.replace(file) { write in try reader.contacts.serialize(write) }
            } catch {
                reader.progress.abandon()
                throw CLIError.runtime("cannot write \(file): \(error)")
            }
            reader.progress.finish(summary: reader.summary(file: file))
        }
    }
}

/// Turns leads into contacts and counts what it skips.
private struct LeadReader {
    let countryCode: String?
    let namespace: String?
    var progress: SyncProgress
    var contacts = LeadContacts()
    private var leadsRead = 0
    /// Leads skipped because their phone number does not normalise, and they have no external id key.
    private var unparseablePhones = 0
    /// Leads skipped because they have neither a phone number nor an external id key.
    private var withoutKeys = 0
    /// Phone numbers that do not normalise, of leads kept through their external id.
    private var phonesDropped = 0

    init(countryCode: String?, namespace: String?, progress: SyncProgress) {
        self.countryCode = countryCode
        self.namespace = namespace
        self.progress = progress
    }

    mutating func read(_ lead: NLPearlLead, of pearlId: String, campaign: Int) {
        leadsRead += 1
        let found = LeadKeys(lead, namespace: namespace, defaultCountryCode: countryCode)
        let keys = found.keys.map(\.description)
        let phoneFailed = found.phoneUnparseable
        if keys.isEmpty {
            if phoneFailed { unparseablePhones += 1 } else { withoutKeys += 1 }
        } else {
            if phoneFailed { phonesDropped += 1 }
            contacts.add(Lead(pearlId: pearlId, leadId: lead.id), keys: keys)
        }
        progress.update(campaign: campaign, leads: leadsRead, contacts: contacts.count)
    }

    /// One line: campaigns, leads read, contacts written, leads skipped and why.
    func summary(file: String) -> String {
        var reasons: [String] = []
        if unparseablePhones > 0 { reasons.append("\(unparseablePhones) with a phone number that does not normalise") }
        if withoutKeys > 0 {
            reasons.append("\(withoutKeys) without a phone number" + (namespace == nil ? "" : " or external id"))
        }
        var line =
            "mapping sync: \(progress.campaigns) campaigns, \(leadsRead) leads read, \(contacts.count) contacts "
            + "written to \(file); leads skipped: \(unparseablePhones + withoutKeys)"
        if !reasons.isEmpty { line += " (" + reasons.joined(separator: ", ") + ")" }
        if phonesDropped > 0 {
            line += "; \(phonesDropped) phone numbers that do not normalise left out of leads kept by external id"
        }
        return line
    }
}

/// The progress of a sync on standard error: a line rewritten in place on a terminal, else only the summary.
private struct SyncProgress {
    let isTerminal: Bool
    let campaigns: Int
    private var shown = false
    private var lastUpdate = ContinuousClock.now

    init(isTerminal: Bool, campaigns: Int) {
        self.isTerminal = isTerminal
        self.campaigns = campaigns
    }

    mutating func update(campaign: Int, leads: Int, contacts: Int) {
        // A line per page at most: rewriting per lead would cost more than reading.
        guard isTerminal, !shown || ContinuousClock.now - lastUpdate >= .milliseconds(100) else { return }
        shown = true
        lastUpdate = .now
        write("\r\u{1B}[2Kcampaign \(campaign)/\(campaigns): \(leads) leads read, \(contacts) contacts")
    }

    /// Ends the progress line, so that an error message starts on a line of its own.
    func abandon() {
        if shown { write("\n") }
    }

    func finish(summary: String) {
        write((shown ? "\r\u{1B}[2K" : "") + summary + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Replaces a file atomically: a temporary file in the same folder, written, fsynced and renamed over it.
///
/// A reader (the service's mapping reload) sees the old file or the new one, never a part; after a crash, the old
/// file stays. The new file keeps the old one's permissions.
enum AtomicFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func replace(_ path: String, _ body: ((([UInt8]) throws -> Void)) throws -> Void) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(folder).\(name).sync-\(getpid()).tmp"
        var mode: mode_t = 0o644
        var existing = stat()
        if stat(path, &existing) == 0 { mode = existing.st_mode & 0o7777 }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            _ = fchmod(descriptor, mode)
            try body { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = bytes.withUnsafeBytes {
                        write(descriptor, $0.baseAddress! + offset, $0.count - offset)
                    }
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw failure("cannot write \(temporary)")
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot fsync \(temporary)") }
        }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        renamed = true
        // The rename is durable once the folder is.
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
