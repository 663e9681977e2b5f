/// Orders 64-bit keys, stably (equal keys keep the order they came in): a least-significant-digit radix sort,
/// a byte per pass, skipping the bytes every key shares. The export's plan orders a million records several
/// times (its seeded shuffles, grouping duplicates and prompts); comparison sorts of tuples and dictionaries of
/// keys took most of its two seconds, on one core while the other waited.
enum RadixSort {
    /// The positions `0..<keys.count`, ordered by their keys; equal keys in position order.
    static func order(of keys: [UInt64]) -> [Int32] {
        let n = keys.count
        var counts = [Int](repeating: 0, count: 8 * 256)
        for key in keys {
            for digit in 0..<8 { counts[digit << 8 | Int(truncatingIfNeeded: key >> (digit * 8)) & 0xFF] += 1 }
        }
        var sourceKeys = keys, sourcePositions = (0..<Int32(n)).map { $0 }
        var targetKeys = [UInt64](repeating: 0, count: n), targetPositions = [Int32](repeating: 0, count: n)
        for digit in 0..<8 {
            let base = digit << 8
            // A byte every key shares leaves the order as it is.
            if n == 0 || counts[base | Int(truncatingIfNeeded: keys[0] >> (digit * 8)) & 0xFF] == n { continue }
            var next = [Int](repeating: 0, count: 256)
            var total = 0
            for b in 0..<256 {
                next[b] = total
                total += counts[base | b]
            }
            sourceKeys.withUnsafeBufferPointer { fromKeys in
                sourcePositions.withUnsafeBufferPointer { fromPositions in
                    targetKeys.withUnsafeMutableBufferPointer { toKeys in
                        targetPositions.withUnsafeMutableBufferPointer { toPositions in
                            for i in 0..<n {
                                let key = fromKeys[i]
                                let b = Int(truncatingIfNeeded: key >> (digit * 8)) & 0xFF
                                toKeys[next[b]] = key
                                toPositions[next[b]] = fromPositions[i]
                                next[b] += 1
                            }
                        }
                    }
                }
            }
            swap(&sourceKeys, &targetKeys)
            swap(&sourcePositions, &targetPositions)
        }
        return sourcePositions
    }

    /// The runs of two or more equal keys in `order` (as `order(of:)` gives it), each as the range of `order`
    /// it fills.
    static func runs(of keys: [UInt64], in order: [Int32]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, keys[Int(order[end])] == keys[Int(order[start])] { end += 1 }
            if end - start > 1 { runs.append(start..<end) }
            start = end
        }
        return runs
    }

    /// The positions whose keys occur more than once, grouped by key, each group in position order; the groups
    /// ordered by their first position.
    static func groups(of keys: [UInt64]) -> [[Int]] {
        let order = order(of: keys)
        return runs(of: keys, in: order).map { order[$0].map(Int.init) }.sorted { $0[0] < $1[0] }
    }
}
