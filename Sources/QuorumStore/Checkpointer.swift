import Dispatch
import GRDB
import Synchronization

/// Copies the write-ahead log back into the database file on a connection of its own, beside the writer.
/// SQLite would otherwise do it inside some writer's commit, every thousand pages, with two fsyncs: under a
/// steady stream of small writes that commit (and every request waiting on it) stalls for milliseconds.
/// A passive checkpoint never blocks the writer or the readers.
final class Checkpointer: Sendable {
    private let path: String
    private let connection = Mutex<DatabaseQueue?>(nil)
    private let running = Atomic<Bool>(false)

    init(path: String) {
        self.path = path
    }

    /// Starts a checkpoint in the background unless one is running.
    func checkpointSoon() {
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { running.store(false, ordering: .releasing) }
            // A checkpoint that fails (the file busy, say) is simply tried again later; the writer's own
            // automatic checkpoint is still there behind it.
            try? connection.withLock { connection in
                if connection == nil {
                    var config = Configuration()
                    config.busyMode = .timeout(1)
                    connection = try DatabaseQueue(path: path, configuration: config)
                }
                try connection?.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
        }
    }
}
