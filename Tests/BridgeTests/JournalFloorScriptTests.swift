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
        func figure(_ run: String, _ name: String) throws -> Double {
            try #require((object?[run] as? [String: Any])?[name] as? Double, "\(run).\(name)")
        }
        #expect(try figure("journal_grouped", "sqlite_cpu_us") > 0)
        #expect(try figure("journal_alone", "sqlite_cpu_us") > 0)
        // The writer's mix under full load, today's journal and the folded one: the floor that docs/performance.md
        // sets beside the bridge's own CPU.
        #expect(try figure("journal_groups_of_6", "sqlite_cpu_us") > 0)
        #expect(try figure("folded_groups_of_6", "sqlite_cpu_us") > 0)
        // Frames are counted, not timed: the journal's schema writes more per lone opt-out than the leaner one,
        // which would not hold if the script's edits of the schema stopped applying.
        let frames = try figure("journal_alone", "wal_frames")
        let leanerFrames = try figure("leaner_alone", "wal_frames")
        #expect(frames > leanerFrames && leanerFrames > 1)
        // An opt-out written once, in its final state, commits one transaction instead of two.
        let foldedFrames = try figure("folded_alone", "wal_frames")
        #expect(frames > foldedFrames && foldedFrames > 1)
        // Every frame of the full-load mix is named by its B-tree, and the suppression list's random key is among
        // them: a frame the script cannot place, or a B-tree of the schema it no longer writes, shows here.
        let byBTree = try #require(object?["frames_by_btree_groups_of_6"] as? [String: Double])
        #expect(byBTree["?"] == nil)
        #expect((byBTree["suppressions"] ?? 0) >= 1)
        #expect(byBTree["attempts"] == nil && byBTree["opt_outs_updated"] == nil)
        // A CRM contact's three keys are three rows of the list: more of its frames than one key's.
        let threeKeys = try #require(object?["frames_by_btree_groups_of_6_three_keys"] as? [String: Double])
        #expect((threeKeys["suppressions"] ?? 0) > 2 * (byBTree["suppressions"] ?? 0))
    }
}
