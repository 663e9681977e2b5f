import Foundation
import QuorumCore

/// The reading side of an import, on threads of its own: one reads the source and cuts it into batches
/// (`ImportPipeline`), the batches are read into records on every core, and the records wait, a few batches
/// ahead, for the thread that stores them. Parsing and SQLite's inserts overlap instead of taking turns.
final class ImportReading: @unchecked Sendable {
    struct Batch {
        var records: [ImportRecord]
        /// Bytes of the source read when the batch was handed on, for progress.
        var bytesRead: Int
    }

    /// What the whole source said, once it is read.
    struct Outcome {
        var format: ImportFormat?
        var labelColumnUsed: String?
        var sha256: String
    }

    private var batches: Handoff<Batch>!
    /// Written by the reading thread before the handoff finishes; read only after `next()` said nil.
    private var finished: Outcome?

    /// The storing side has gone: the reading ends (nobody takes the error).
    private struct Stopped: Error {}

    init(source: ByteSource, options: ImportOptions) {
        // A reader per core, beside the storing thread: reading is the longer part now that the storing thread
        // neither checks foreign keys nor (from the command line) writes a log, and on two cores one reader left
        // the storing thread idle a quarter of the time.
        let readers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        batches = Handoff.filled(capacity: 2) { [self] batches in
            let pipeline = ImportPipeline(options: options)
            var hash = ContentHash()
            var bytesRead = 0
            var group: [ImportBatch] = []
            func send() throws {
                guard !group.isEmpty else { return }
                let read = Self.records(of: group, readers: readers)
                group.removeAll(keepingCapacity: true)
                guard batches.put(Batch(records: read, bytesRead: bytesRead)) else { throw Stopped() }
            }
            func gather(_ batch: ImportBatch) throws {
                group.append(batch)
                // A few batches per reader, so a reader slowed by the storing thread is made up for.
                if group.count >= 4 * readers { try send() }
            }
            try source.forEachChunk(hash: &hash, rawProgress: { bytesRead = $0 }) { chunk in try pipeline.feed(chunk, emit: gather) }
            try pipeline.finish(emit: gather)
            try send()
            finished = Outcome(format: pipeline.format, labelColumnUsed: pipeline.labelColumnUsed, sha256: hash.hexDigest())
        }
    }

    /// The batches read, side by side when there are several readers, in order.
    private static func records(of group: [ImportBatch], readers: Int) -> [ImportRecord] {
        var read = [[ImportRecord]](repeating: [], count: group.count)
        read.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            // Each iteration writes only its own slot.
            if readers == 1 {
                for i in group.indices { slots[i] = group[i].records() }
            } else {
                DispatchQueue.concurrentPerform(iterations: group.count) { slots[$0] = group[$0].records() }
            }
        }
        return Array(read.joined())
    }

    /// The next batch of records, nil at the end, or the error that stopped the reading (a source over its limits
    /// as a `StoreError` of kind `tooLarge`).
    func next() throws -> Batch? {
        do {
            return try batches.take()
        } catch let error as LineTooLong {
            throw StoreError(.tooLarge, "\(error); nothing was imported")
        } catch let error as SourceTooLarge {
            throw StoreError(.tooLarge, "\(error); nothing was imported")
        }
    }

    /// What the source said; only after `next()` returned nil.
    var outcome: Outcome { finished! }

    /// The storing side has stopped: the reading thread ends at its next batch.
    func cancel() { batches.cancel() }
}
