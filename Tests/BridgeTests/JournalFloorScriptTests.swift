import Foundation
import TestSupport
import Testing

/// `Benchmarks/journal-floor.py` reads the journal's schema from its Swift source and repeats its statements: a
/// change to either that the script no longer fits fails here, not months later in a benchmark run.
@Suite struct JournalFloorScriptTests {
    @Test func theScriptRunsOnTheJournalsCurrentSchema() async throws {
        let script = DeploymentTests.repository.appendingPathComponent("Benchmarks/journal-floor.py").path
        let figures = FileManager.default.temporaryDirectory.appendingPathComponent("floor-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: figures) }
        let result = try await blocking {
            try ExternalTool.run("python3", [script, "--opt-outs", "400", "--json", figures.path])
        }
        try #require(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: figures)) as? [String: Any]
        let grouped = try #require(object?["sqlite_cpu_per_opt_out_grouped_us"] as? Double)
        let alone = try #require(object?["sqlite_cpu_per_opt_out_alone_us"] as? Double)
        #expect(grouped > 0 && alone > 0)
    }
}
