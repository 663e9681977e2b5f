import Foundation

/// Works a batch out on several threads, in order. The batch is cut into a few chunks per worker, taken as
/// workers come free (a worker slowed by another thread on its core is made up for by the others), and each
/// chunk is worked with a state of its own for its duration (a token counter with its caches), so nothing is
/// shared while they run.
enum ParallelBatch {
    /// `states` grows to one per worker at most (copies of `initial`) and keeps what the workers left in them.
    static func map<Element, State, Output>(_ batch: [Element], workers requested: Int, states: inout [State], initial: State,
                                            _ transform: (Element, inout State) -> Output) -> [Output] {
        let workers = max(1, min(requested, batch.count / 64 + 1))
        while states.count < workers { states.append(initial) }
        if workers == 1 { return batch.map { transform($0, &states[0]) } }
        let chunks = min(workers * 4, batch.count / 64 + 1)
        var results = [[Output]](repeating: [], count: chunks)
        let size = (batch.count + chunks - 1) / chunks
        // More threads than states may run at once (concurrentPerform uses every core): the extra ones wait.
        let pool = NSCondition()
        var free = Array(states.indices)
        states.withUnsafeMutableBufferPointer { stateBuffer in
            let states = stateBuffer
            results.withUnsafeMutableBufferPointer { resultBuffer in
                let results = resultBuffer
                // Each chunk writes only its own slot of `results`, and holds its state alone until it gives it back.
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    pool.lock()
                    while free.isEmpty { pool.wait() }
                    let s = free.removeLast()
                    pool.unlock()
                    let slice = batch[min(batch.count, c * size)..<min(batch.count, (c + 1) * size)]
                    results[c] = slice.map { transform($0, &states[s]) }
                    pool.lock()
                    free.append(s)
                    pool.signal()
                    pool.unlock()
                }
            }
        }
        return Array(results.joined())
    }
}
