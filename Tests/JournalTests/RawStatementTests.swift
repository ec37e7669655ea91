import GRDB
import Testing

@testable import Journal

@Suite("Statements bound and stepped through SQLite's C API")
struct RawStatementTests {
    @Test("Integers, texts, empty texts and NULLs are bound as GRDB binds them (a text up to a NUL), and read back")
    func bindsAndReadsBack() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT NOT NULL, o TEXT)")
            let insert = try RawStatement(db, sql: "INSERT INTO t (id, n, s, o) VALUES (?, ?, ?, ?)")
            try insert.execute(1, Int64.max, "", String?.none)
            try insert.execute(2, -7, "é 🙂 \u{0}cut", String?("given"))
            try db.execute(sql: "INSERT INTO t (id, n, s, o) VALUES (3, 0, ?, NULL)", arguments: ["é 🙂 \u{0}cut"])
            // The same values through GRDB read the same, so the two can share the journal's tables.
            let rows = try Row.fetchAll(db, sql: "SELECT n, s, o, typeof(s), typeof(o) FROM t ORDER BY id")
            #expect(rows[0] == ["n": Int64.max, "s": "", "o": nil, "typeof(s)": "text", "typeof(o)": "null"])
            #expect(rows[1] == ["n": -7, "s": "é 🙂 ", "o": "given", "typeof(s)": "text", "typeof(o)": "text"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT hex(s)) FROM t WHERE id IN (2, 3)") == 1)

            let select = try RawStatement(db, sql: "SELECT s, o, n FROM t WHERE id >= ? ORDER BY id")
            var read: [(String?, String?, Int64)] = []
            try select.forEachRow(1) { read.append(($0.text(0), $0.text(1), $0.int64(2))) }
            #expect(read.map(\.0) == ["", "é 🙂 ", "é 🙂 "])
            #expect(read.map(\.1) == [nil, "given", nil])
            #expect(read.map(\.2) == [Int64.max, -7, 0])
            #expect(try select.fetchOne(2) { $0.text(1) } == "given")
            #expect(try select.fetchOne(4) { $0.text(1) } == nil)
        }
    }

    @Test("A failed step throws GRDB's error with SQLite's code, and leaves the statement usable")
    func failuresAreGRDBErrors() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE)")
            let insert = try RawStatement(db, sql: "INSERT INTO t (s) VALUES (?)")
            try insert.execute("once")
            #expect {
                try insert.execute("once")
            } throws: { error in
                let error = error as? DatabaseError
                return error?.resultCode == .SQLITE_CONSTRAINT && error?.sql == "INSERT INTO t (s) VALUES (?)"
                    && error?.message?.contains("UNIQUE") == true
            }
            #expect(throws: DatabaseError.self) { try insert.execute(String?.none) }
            try insert.execute("twice")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 2)
        }
    }
}
