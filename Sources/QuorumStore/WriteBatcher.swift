import Foundation
import GRDB
import Synchronization

/// Group commit for the annotating routes: the writes that arrive while a transaction is running are done
/// together in the next one, each in its own savepoint (one that throws is rolled back alone and gets its
/// error). Every caller is answered after the commit, so nothing is reported saved before it is. Many small
/// transactions cost SQLite mostly their commits and the pages each rewrites; a batch writes a page once.
final class WriteBatcher: Sendable {
    /// One caller's work: `run` inside the shared transaction, then `finish` with the commit's error, if any.
    private struct Job: @unchecked Sendable {
        let run: (Database) -> Void
        let finish: (Error?) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var draining = false
    }

    private let writer: DatabasePool
    private let queue = Mutex(Queue())
    private let checkpointer: Checkpointer
    private let batches = Atomic<Int>(0)

    init(writer: DatabasePool) {
        self.writer = writer
        checkpointer = Checkpointer(path: writer.path)
    }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = Outcome<T>()
            enqueue(Job(run: { db in
                // Savepoints by cached statements run straight through SQLite: GRDB's `inSavepoint` prepares its
                // SQL anew each time. Each is released before the job returns, so GRDB never sees one open.
                do {
                    try db.cachedStatement(sql: "SAVEPOINT job").run()
                    do {
                        outcome.result = .success(try work(db))
                        try db.cachedStatement(sql: "RELEASE job").run()
                    } catch {
                        try db.cachedStatement(sql: "ROLLBACK TO job").run()
                        try db.cachedStatement(sql: "RELEASE job").run()
                        outcome.result = .failure(error)
                    }
                } catch {
                    outcome.result = .failure(error)
                }
            }, finish: { commitError in
                if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(with: outcome.result!) }
            }))
        }
    }

    private func enqueue(_ job: Job) {
        let start = queue.withLock { queue -> Bool in
            queue.jobs.append(job)
            defer { queue.draining = true }
            return !queue.draining
        }
        // Its own thread, not one of the few that run the server's tasks: the commit blocks while it writes.
        if start { Thread.detachNewThread { self.drain() } }
    }

    /// Runs batches until no job is waiting.
    private func drain() {
        while true {
            let jobs = queue.withLock { queue -> [Job] in
                let jobs = queue.jobs
                queue.jobs.removeAll(keepingCapacity: true)
                if jobs.isEmpty { queue.draining = false }
                return jobs
            }
            if jobs.isEmpty { return }
            var commitError: Error?
            do {
                try writer.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        for job in jobs { job.run(db) }
                        return .commit
                    }
                }
            } catch {
                commitError = error
            }
            for job in jobs { job.finish(commitError) }
            if batches.add(1, ordering: .relaxed).newValue % 32 == 0 { checkpointer.checkpointSoon() }
        }
    }
}

/// A job's result, written in the transaction and read after the commit (by the same drain loop, in order).
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
