import Foundation

/// Works a batch out on several threads, in order: the batch is cut into one slice per worker, and each worker has
/// its own state (a token counter with its caches), so nothing is shared while they run.
enum ParallelBatch {
    /// `states` grows to one per worker (copies of `initial`) and keeps what each worker left in its state.
    static func map<Element, State, Output>(_ batch: [Element], workers requested: Int, states: inout [State], initial: State,
                                            _ transform: (Element, inout State) -> Output) -> [Output] {
        let workers = max(1, min(requested, batch.count / 64 + 1))
        while states.count < workers { states.append(initial) }
        var results = [[Output]](repeating: [], count: workers)
        let size = (batch.count + workers - 1) / workers
        states.withUnsafeMutableBufferPointer { stateBuffer in
            let states = stateBuffer
            results.withUnsafeMutableBufferPointer { resultBuffer in
                let results = resultBuffer
                // Each worker writes only its own slot of `states` and `results`.
                func work(_ w: Int) {
                    let slice = batch[min(batch.count, w * size)..<min(batch.count, (w + 1) * size)]
                    results[w] = slice.map { transform($0, &states[w]) }
                }
                if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers) { work($0) } }
            }
        }
        return Array(results.joined())
    }
}
