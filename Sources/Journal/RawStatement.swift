import GRDB
import GRDBSQLite

/// One of GRDB's cached statements, bound and stepped through SQLite's C API: the journal's statements that run for
/// every opt-out (the append, the outcome, the suppression list's upsert).
///
/// GRDB's `execute(arguments:)` boxes every argument in an existential, converts it to a `DatabaseValue`, validates
/// the count and tells its observers, and `Row.fetchOne` copies each row it returns: on these paths that cost more
/// than SQLite's own work. GRDB still prepares, caches and finalizes the statements; this only binds, steps and
/// resets them. Arguments are a parameter pack, so binding them allocates nothing.
///
/// A statement is reset after each use, so one bound here and one used through GRDB never see each other's state;
/// the SQL of these statements is used nowhere else all the same.
struct RawStatement {
    private let handle: OpaquePointer
    private let db: Database

    /// The cached statement for `sql` on this connection.
    init(_ db: Database, sql: String) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        self.db = db
    }

    /// Runs the statement to its end with these arguments, bound to `?1`, `?2`, … in order.
    func execute<each Value: SQLArgument>(_ values: repeat each Value) throws {
        try run(repeat each values) { _ in }
    }

    /// Runs a query with these arguments, calling `row` for each row it returns.
    func forEachRow<each Value: SQLArgument>(
        _ values: repeat each Value, row: (ColumnReader) throws -> Void
    ) throws {
        try run(repeat each values, row: row)
    }

    /// The first row of a query, read by `read`; nil when it returns none.
    func fetchOne<each Value: SQLArgument, T>(_ values: repeat each Value, read: (ColumnReader) throws -> T)
        throws -> T?
    {
        var result: T?
        try run(repeat each values) { row in
            if result == nil { result = try read(row) }
        }
        return result
    }

    private func run<each Value: SQLArgument>(_ values: repeat each Value, row: (ColumnReader) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        var index: Int32 = 0
        for value in repeat each values {
            index += 1
            try check(value.bind(to: handle, at: index))
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { return try check(code) }
            try row(ColumnReader(handle: handle))
        }
    }

    /// Throws GRDB's error for a result code other than OK, as GRDB's own calls would.
    private func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code), message: message,
            sql: sqlite3_sql(handle).map { String(cString: $0) })
    }
}

/// The columns of the row a ``RawStatement`` is on, valid only inside its `row` closure.
struct ColumnReader {
    fileprivate let handle: OpaquePointer

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

/// A value that binds to a statement's parameter.
protocol SQLArgument {
    /// Binds the value to parameter `index` (from 1) and returns SQLite's result code.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32
}

/// SQLite copies the text before the bind returns (`SQLITE_TRANSIENT`).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension String: SQLArgument {
    /// Up to the first NUL, as GRDB binds a string, so that a value means the same whichever of the two wrote it and
    /// whichever looks it up.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        withCString { sqlite3_bind_text(statement, index, $0, -1, transient) }
    }
}

extension Int64: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, self)
    }
}

extension Int: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, Int64(self))
    }
}

extension Optional: SQLArgument where Wrapped: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        guard let self else { return sqlite3_bind_null(statement, index) }
        return self.bind(to: statement, at: index)
    }
}
