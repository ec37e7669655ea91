import Foundation
import TestSupport
import Testing

/// `examples/csv-to-mapping.py`: a CRM export becomes a mapping that the bridge loads and resolves as the CSV says.
@Suite struct CSVToMappingTests {
    static let script = DeploymentTests.repository.appendingPathComponent("examples/csv-to-mapping.py").path

    /// A HubSpot-like export: a byte-order mark, quoted fields, one contact on two rows, two rows to skip.
    static let export = """
        \u{FEFF}Record ID,Email,Phone Number,Pearl ID,Lead ID
        1246965,Jane.Doe@example.com,"+1 (555) 123-4567",6720c0f8e4b0a1b2c3d4e5f6,lead-1
        1246965,Jane.Doe@example.com,"+1 (555) 123-4567",6720c0f8e4b0a1b2c3d4e5f7,lead-2
        77,,555-987-6543,6720c0f8e4b0a1b2c3d4e5f6,lead-3
        ,,,6720c0f8e4b0a1b2c3d4e5f6,lead-4
        88,x@example.com,,,

        """

    func convert(in directory: URL, _ extra: [String] = []) async throws -> ExternalTool.Result {
        let csv = directory.appendingPathComponent("export.csv")
        try Self.export.write(to: csv, atomically: true, encoding: .utf8)
        let arguments =
            [
                Self.script, csv.path, "--crm", "hubspot=Record ID", "-o",
                directory.appendingPathComponent("mapping.json").path,
            ]
            + extra
        return try await blocking { try ExternalTool.run("python3", arguments) }
    }

    @Test func theConvertedMappingResolvesEveryKeyOfTheExport() async throws {
        let directory = try makeTemporaryDirectory("csv-mapping")
        defer { try? FileManager.default.removeItem(at: directory) }
        let converted = try await convert(in: directory)
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stderr.contains("line 5: no email, phone or CRM id; skipped"))
        #expect(converted.stderr.contains("line 6: no pearlId or leadId; skipped"))
        #expect(converted.stderr.contains("2 contacts, 3 leads, 2 rows skipped"))

        try writeConfiguration(in: directory, nlpearlURL: "http://127.0.0.1:9")
        let check = try await BridgeExecutable.run(
            ["check", "--config", directory.appendingPathComponent("optout-bridge.json").path],
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let lookup = try await BridgeExecutable.run(
            [
                "lookup", "--config", directory.appendingPathComponent("optout-bridge.json").path,
                "email:jane.doe@example.com", "hubspot:1246965", "phone:+15559876543", "email:x@example.com",
            ], environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(lookup.status == 0, "\(lookup.stderr)")
        #expect(lookup.stdout.contains("email:jane.doe@example.com\t6720c0f8e4b0a1b2c3d4e5f6\tlead-1"))
        #expect(lookup.stdout.contains("email:jane.doe@example.com\t6720c0f8e4b0a1b2c3d4e5f7\tlead-2"))
        #expect(lookup.stdout.contains("hubspot:1246965\t6720c0f8e4b0a1b2c3d4e5f6\tlead-1"))
        #expect(lookup.stdout.contains("phone:+15559876543\t6720c0f8e4b0a1b2c3d4e5f6\tlead-3"))
        #expect(lookup.stdout.contains("email:x@example.com\tno leads"))
    }

    @Test func strictFailsOnSkippedRowsAndAMissingColumnIsNamed() async throws {
        let directory = try makeTemporaryDirectory("csv-mapping")
        defer { try? FileManager.default.removeItem(at: directory) }
        let strict = try await convert(in: directory, ["--strict"])
        #expect(strict.status == 1)
        let missing = try await convert(in: directory, ["--lead-id-column", "Deal ID"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no column 'Deal ID' for leadId"))
    }
}
