import Foundation
import Synchronization

/// While a large transaction runs, has the kernel write out what SQLite wrote, every quarter second, on a thread
/// of its own. SQLite syncs the whole write-ahead log at the commit before copying it into the database, then
/// syncs the database: without this, the log of a million-item import (about 700 MB) and then the copy were all
/// still in memory at those two syncs, and the commit waited seconds for the disk.
final class Writeback: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    init(databasePath: String) {
        let log = databasePath + "-wal"
        let database = Self.databaseFile(databasePath)
        Thread { [self] in
            let logFile = open(log, O_RDONLY)
            defer { if logFile >= 0 { close(logFile) } }
            condition.lock()
            defer { condition.unlock() }
            while !stopped {
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.25))
                if stopped { break }
                condition.unlock()
                if logFile >= 0 { fdatasync(logFile) }
                if database >= 0 { fdatasync(database) }
                condition.lock()
            }
        }.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// The database file, opened read-only once per process and never closed: closing any descriptor of a
    /// file drops every POSIX lock the process holds on it, SQLite's included. (SQLite keeps no locks on the
    /// log, so that one is closed after use.)
    private static func databaseFile(_ path: String) -> Int32 {
        openFiles.withLock { files in
            if let file = files[path] { return file }
            let file = open(path, O_RDONLY)
            if file >= 0 { files[path] = file }
            return file
        }
    }

    private static let openFiles = Mutex<[String: Int32]>([:])
}
