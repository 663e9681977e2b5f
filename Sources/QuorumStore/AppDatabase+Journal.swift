import GRDB

extension AppDatabase {
    /// Runs `body` with the database in rollback-journal mode, when `wanted` and no other connection has the file
    /// open, and back in write-ahead-log mode afterwards; otherwise runs it as it is.
    ///
    /// A bulk write that has the file to itself then writes its new pages once, straight into the database, where
    /// the log would take them and copy them into the database again at the checkpoint after the commit: for a
    /// million-item import, 700 MB written twice and a checkpoint of seconds. Pages that existed before are copied
    /// to the journal first, so a killed process leaves the database as it was (the next connection rolls the
    /// journal back). Synchronous FULL while the journal is in use: NORMAL can skip the journal's sync that keeps a
    /// power cut from tearing it; the pages the journal holds are few, so it costs little.
    static func withRollbackJournal<T>(_ db: Database, if wanted: Bool, _ body: () throws -> T) throws -> T {
        guard wanted, try leaveLog(db) else { return try body() }
        defer {
            // If this fails (another process opened the file meanwhile), the next connection of Quorum's to open
            // the file puts it back in WAL mode.
            try? db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        }
        try db.execute(sql: "PRAGMA synchronous = FULL")
        return try body()
    }

    /// Whether the database could leave WAL mode: not while another connection (in this process or another)
    /// has the file open, which SQLite reports at once as busy.
    private static func leaveLog(_ db: Database) throws -> Bool {
        do {
            return try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete"
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return false
        }
    }
}
