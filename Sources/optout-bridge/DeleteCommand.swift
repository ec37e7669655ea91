import ArgumentParser
import Bridge
import Foundation
import Logging
import OptOutCore

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Deletes leads through the same client and journal as the service, and prints the outcome.",
        discussion: """
            The deletion is journaled first (source "cli"). If NLPearl cannot be reached, it stays queued in the \
            journal and a running `serve` delivers it; the command then exits 2.
            """)

    @OptionGroup var config: ConfigurationOptions

    @Option(help: "The campaign (pearl) id.")
    var pearlId: String

    @Option(parsing: .upToNextOption, help: "One or more lead ids.")
    var leadId: [String]

    @Option(help: "An idempotency key: the same key again answers the first outcome and calls nothing.")
    var idempotencyKey: String?

    func validate() throws {
        guard !pearlId.isEmpty else { throw ValidationError("--pearl-id must not be empty") }
        guard !leadId.isEmpty, leadId.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("give at least one non-empty --lead-id")
        }
    }

    func run() async throws {
        var configuration = try config.load()
        // Wait for the outcome (or the first retryable failure) however the service acknowledges.
        configuration.delivery.syncWaitMilliseconds = max(
            configuration.delivery.syncWaitMilliseconds, Int((configuration.nlpearl.timeoutSeconds + 5) * 1000))
        let logger = Logger(label: "optout-bridge.delete") { _ in SwiftLogNoOpLogHandler() }
        let pipeline: DeliveryPipeline
        do {
            pipeline = try DeliveryPipeline(
                configuration: configuration, logger: logger, metrics: BridgeMetrics(), loadMapping: false)
        } catch {
            throw error.isUserError ? CLIError.user(error.description) : CLIError.runtime(error.description)
        }
        let submission = OptOutSubmission(
            source: "cli", idempotencyKey: idempotencyKey,
            leads: leadId.map { Lead(pearlId: pearlId, leadId: $0) })
        let outcome: Intake.Outcome
        do {
            guard let first = try await pipeline.intake.submit([submission]).first else {
                throw CLIError.runtime("the journal returned no record")
            }
            outcome = first
            // A deletion is answered while its outcome is committed: the command ends once it is journaled.
            _ = await pipeline.dispatcher.drain(timeout: .seconds(configuration.nlpearl.timeoutSeconds + 5))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.runtime("the journal cannot be written: \(error)")
        }
        print(
            String(
                decoding: OptOutView(record: outcome.record, duplicate: outcome.duplicate, detailed: true).json,
                as: UTF8.self))
        switch outcome.record.status {
        case .deleted, .dryRun:
            return
        case .queued:
            throw CLIError.runtime(
                "not delivered yet (\(outcome.record.id) stays queued in the journal; a running serve retries it)")
        default:
            throw CLIError.runtime("NLPearl did not delete the leads: \(outcome.record.status.rawValue)")
        }
    }
}
