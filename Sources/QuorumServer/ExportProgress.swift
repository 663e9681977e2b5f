import Synchronization

/// How far each project's running export has got, for the export page's progress bar.
final class ExportProgress: Sendable {
    private let running = Mutex<[Int64: (done: Int, total: Int)]>([:])

    /// Marks an export of the project as started; false when one is running already.
    func start(_ project: Int64, total: Int) -> Bool {
        running.withLock { state in
            guard state[project] == nil else { return false }
            state[project] = (0, total)
            return true
        }
    }

    func update(_ project: Int64, done: Int, total: Int) { running.withLock { $0[project] = (done, total) } }
    func finish(_ project: Int64) { _ = running.withLock { $0.removeValue(forKey: project) } }
    func state(_ project: Int64) -> (done: Int, total: Int)? { running.withLock { $0[project] } }
}
