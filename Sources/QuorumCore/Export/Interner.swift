/// Gives equal values one small index, so a million records keep a 4-byte number instead of a copy.
struct Interner<Value: Hashable> {
    private(set) var values: [Value] = []
    private var indices: [Value: Int32] = [:]

    mutating func index(_ value: Value) -> Int32 {
        if let i = indices[value] { return i }
        let i = Int32(values.count)
        values.append(value)
        indices[value] = i
        return i
    }
}
