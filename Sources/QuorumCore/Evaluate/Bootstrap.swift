/// The resampling both kinds of comparison share: items drawn with replacement from a seeded generator (so the same
/// data give the same interval), and the percentile interval of what the resamples gave.
enum Bootstrap {
    /// The sum of `parts` over one resample of as many items, drawn with replacement. A draw is scaled into range by
    /// a multiplication (Lemire's method) rather than a division: the division was most of a comparison's time.
    static func resampledSum<V: SIMD>(_ parts: UnsafeBufferPointer<V>, _ generator: inout SplitMix64) -> V where V.Scalar: FloatingPoint {
        let n = UInt64(parts.count)
        var sum = V()
        for _ in 0..<parts.count { sum += parts[Int(generator.next().multipliedFullWidth(by: n).high)] }
        return sum
    }

    /// The 2.5th and 97.5th percentiles of `values` (sorted in place); nil when there are none.
    static func interval(_ values: inout [Double]) -> (Double, Double)? {
        guard !values.isEmpty else { return nil }
        values.sort()
        func at(_ q: Double) -> Double { values[min(values.count - 1, max(0, Int((q * Double(values.count)).rounded(.down))))] }
        return (at(0.025), at(0.975))
    }
}
