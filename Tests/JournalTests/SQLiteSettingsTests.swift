import CSQLiteSettings
import Foundation
import Testing

@testable import Journal

@Suite struct SQLiteSettingsTests {
    /// Opening the first journal turns SQLite's memory statistics off before SQLite starts: they cost a process-wide
    /// mutex around each of its allocations. SQLite then reports no memory in use. An exit test, since the setting
    /// holds only before anything in the process has used SQLite.
    @Test func theFirstJournalTurnsSQLitesMemoryStatisticsOff() async {
        await #expect(processExitsWith: .success) {
            let directory = try TemporaryDirectory()
            let journal = try Journal(path: directory.path("journal.sqlite"))
            _ = try await journal.append(sampleOptOut(key: "k"))
            #expect(sqlite3_memory_used() == 0)
            try journal.close()
        }
    }
}
