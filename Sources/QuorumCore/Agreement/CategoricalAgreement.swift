/// Agreement coefficients for categorical ratings, to the textbook definitions. A coefficient that is
/// undefined for the data (e.g. every rating the same category) is nil — never reported as 0 or 1 —
/// except Gwet's AC1, whose chance term is 0 when all agree, making it 1 (as the literature has it).
public struct CategoricalAgreement: Sendable {
    public enum Level: String, Sendable, CaseIterable { case nominal, ordinal, interval }

    public struct PairKappa: Sendable {
        public var raters: (Int, Int)
        public var items: Int
        public var kappa: Double?
        /// Weighted by the distance between category ranks (ordinal and interval levels only).
        public var linear: Double?
        public var quadratic: Double?
    }

    public let level: Level
    /// Categories in order: given, else as they sort (numbers numerically).
    public let categories: [String]
    /// ratings[rater][item]: an index into `categories`, or nil where missing.
    let ratings: [[Int?]]
    /// Every item's ratings without the missing ones, one after another (item i's are
    /// `columnValues[columnStarts[i]..<columnStarts[i + 1]]`): built once, in two arrays, since every coefficient
    /// walks them and a hundred thousand small arrays cost more than the arithmetic.
    let columnValues: [Int]
    let columnStarts: [Int]
    let values: [Double]

    public var raterCount: Int { ratings.count }
    public var itemCount: Int { ratings.map(\.count).max() ?? 0 }

    /// `ratings` holds one array per rater, one position per item; values are category names (numbers
    /// as their text). `categories` gives the order (needed for ordinal strings) and the full set.
    public init(level: Level, ratings: [[String?]], categories: [String]? = nil) throws(FieldError) {
        self.level = level
        var order = categories ?? []
        let seen = Set(ratings.flatMap { $0.compactMap { $0 } })
        if categories == nil {
            let numeric = seen.allSatisfy { Double($0) != nil }
            order = seen.sorted { numeric ? Double($0)! < Double($1)! : $0 < $1 }
        } else if let unknown = seen.first(where: { !order.contains($0) }) {
            throw FieldError("ratings", "\"\(unknown)\" is not one of the categories given")
        }
        if level == .interval, let text = order.first(where: { Double($0) == nil }) {
            throw FieldError("ratings", "interval ratings must be numbers, found \"\(text)\"")
        }
        self.categories = order
        let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let width = ratings.map(\.count).max() ?? 0
        let indexed = ratings.map { row in (0..<width).map { i in i < row.count ? row[i].flatMap { index[$0] } : nil } }
        self.ratings = indexed
        (columnValues, columnStarts) = Self.columns(indexed, width: width)
        values = level == .interval ? order.map { Double($0)! } : order.indices.map(Double.init)
    }

    /// Nominal ratings given as indices into `categories` (rater × item), as a project's answers arrive: no text to
    /// hash per rating. Categories nobody used are dropped, as the text initializer never sees them.
    init(nominal categories: [String], indexed: [[Int?]]) {
        level = .nominal
        var used = [Bool](repeating: false, count: categories.count)
        for row in indexed { for value in row { if let value { used[value] = true } } }
        var remap = [Int](repeating: -1, count: categories.count)
        var kept: [String] = []
        for (i, category) in categories.enumerated() where used[i] {
            remap[i] = kept.count
            kept.append(category)
        }
        self.categories = kept
        let width = indexed.map(\.count).max() ?? 0
        let ratings = kept.count == categories.count ? indexed : indexed.map { row in row.map { $0.map { remap[$0] } } }
        self.ratings = ratings
        (columnValues, columnStarts) = Self.columns(ratings, width: width)
        values = kept.indices.map(Double.init)
    }

    /// The ratings of item `i`, as category indices.
    private func column(_ i: Int) -> ArraySlice<Int> { columnValues[columnStarts[i]..<columnStarts[i + 1]] }

    static func columns(_ ratings: [[Int?]], width: Int) -> (values: [Int], starts: [Int]) {
        var values: [Int] = []
        var starts: [Int] = [0]
        values.reserveCapacity(width * ratings.count)
        starts.reserveCapacity(width + 1)
        for i in 0..<width {
            for row in ratings { if let value = row[i] { values.append(value) } }
            starts.append(values.count)
        }
        return (values, starts)
    }

    /// Mean over items with at least two ratings of the share of rater pairs that agree.
    public var percentAgreement: Double? {
        var total = 0.0, count = 0
        for i in 0..<itemCount {
            let r = column(i)
            guard r.count >= 2 else { continue }
            var agree = 0
            for a in r.indices { for b in r.indices where b > a && r[a] == r[b] { agree += 1 } }
            total += Double(agree) / Double(r.count * (r.count - 1) / 2)
            count += 1
        }
        return count == 0 ? nil : total / Double(count)
    }

    /// Cohen's kappa for every pair of raters, over the items both rated.
    public var cohenKappas: [PairKappa] {
        var out: [PairKappa] = []
        let q = categories.count
        for a in 0..<raterCount {
            for b in (a + 1)..<raterCount {
                let pairs = (0..<itemCount).compactMap { i -> (Int, Int)? in
                    guard let x = ratings[a][i], let y = ratings[b][i] else { return nil }
                    return (x, y)
                }
                var pair = PairKappa(raters: (a, b), items: pairs.count, kappa: nil, linear: nil, quadratic: nil)
                if !pairs.isEmpty {
                    pair.kappa = Self.weightedKappa(pairs, q: q) { $0 == $1 ? 0 : 1 }
                    if level != .nominal {
                        let span = max((values.max() ?? 0) - (values.min() ?? 0), 1e-12)
                        pair.linear = Self.weightedKappa(pairs, q: q) { abs(values[$0] - values[$1]) / span }
                        pair.quadratic = Self.weightedKappa(pairs, q: q) { pow2((values[$0] - values[$1]) / span) }
                    }
                }
                out.append(pair)
            }
        }
        return out
    }

    /// κ_w = 1 − Σ w·observed / Σ w·expected, with disagreement weights w (0 on the diagonal).
    static func weightedKappa(_ pairs: [(Int, Int)], q: Int, weight: (Int, Int) -> Double) -> Double? {
        let n = Double(pairs.count)
        var observed = [[Double]](repeating: [Double](repeating: 0, count: q), count: q)
        var rows = [Double](repeating: 0, count: q), cols = [Double](repeating: 0, count: q)
        for (x, y) in pairs {
            observed[x][y] += 1 / n
            rows[x] += 1 / n
            cols[y] += 1 / n
        }
        var o = 0.0, e = 0.0
        for i in 0..<q { for j in 0..<q {
            let w = weight(i, j)
            o += w * observed[i][j]
            e += w * rows[i] * cols[j]
        } }
        guard e > 1e-12 else { return nil }
        return 1 - o / e
    }

    /// Fleiss' kappa; only when every item has the same number (≥ 2) of ratings.
    public var fleissKappa: Double? {
        let counts = (0..<itemCount).map { column($0).count }
        guard let m = counts.first, m >= 2, counts.allSatisfy({ $0 == m }) else { return nil }
        let q = categories.count, n = Double(itemCount), r = Double(m)
        var p = [Double](repeating: 0, count: q)
        var pBar = 0.0
        var nij = [Double](repeating: 0, count: q)
        for i in 0..<itemCount {
            for j in 0..<q { nij[j] = 0 }
            for c in column(i) { nij[c] += 1 }
            for j in 0..<q { p[j] += nij[j] / (n * r) }
            pBar += (nij.reduce(0) { $0 + $1 * $1 } - r) / (r * (r - 1)) / n
        }
        let pe = p.reduce(0) { $0 + $1 * $1 }
        guard pe < 1 - 1e-12 else { return nil }
        return (pBar - pe) / (1 - pe)
    }

    /// Krippendorff's alpha from the coincidence matrix, with the level's difference function.
    public var krippendorffAlpha: Double? {
        let q = categories.count
        var o = [[Double]](repeating: [Double](repeating: 0, count: q), count: q)
        for i in 0..<itemCount {
            let r = column(i)
            guard r.count >= 2 else { continue }
            for a in r.indices { for b in r.indices where a != b { o[r[a]][r[b]] += 1 / Double(r.count - 1) } }
        }
        let nc = o.map { $0.reduce(0, +) }
        let n = nc.reduce(0, +)
        guard n > 1 else { return nil }
        func delta(_ c: Int, _ k: Int) -> Double {
            switch level {
            case .nominal: return c == k ? 0 : 1
            case .interval: return pow2(values[c] - values[k])
            case .ordinal:
                let (lo, hi) = (min(c, k), max(c, k))
                return pow2(nc[lo...hi].reduce(0, +) - (nc[c] + nc[k]) / 2)
            }
        }
        var observed = 0.0, expected = 0.0
        for c in 0..<q { for k in 0..<q where c != k {
            let d = delta(c, k)
            observed += o[c][k] * d
            expected += nc[c] * nc[k] * d
        } }
        guard expected > 1e-12 else { return nil }
        return 1 - (n - 1) * observed / expected
    }

    /// Gwet's AC1 (nominal): chance agreement from how evenly the categories are used.
    public var gwetAC1: Double? {
        let q = categories.count
        var pa = 0.0, paItems = 0
        var pi = [Double](repeating: 0, count: q)
        var counts = [Double](repeating: 0, count: q)
        var rated = 0
        for i in 0..<itemCount {
            let r = column(i)
            guard !r.isEmpty else { continue }
            for k in 0..<q { counts[k] = 0 }
            for c in r { counts[c] += 1 }
            rated += 1
            for k in 0..<q { pi[k] += counts[k] / Double(r.count) }
            guard r.count >= 2 else { continue }
            paItems += 1
            pa += counts.reduce(0) { $0 + $1 * ($1 - 1) } / Double(r.count * (r.count - 1))
        }
        guard paItems > 0 else { return nil }
        pa /= Double(paItems)
        guard q >= 2 else { return pa == 1 ? 1 : nil }
        let pe = pi.reduce(0) { $0 + ($1 / Double(rated)) * (1 - $1 / Double(rated)) } / Double(q - 1)
        guard pe < 1 - 1e-12 else { return nil }
        return (pa - pe) / (1 - pe)
    }

    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1e6).rounded() / 1e6) } ?? .null }
        return .object([
            (key: "items", value: .int(itemCount)), (key: "raters", value: .int(raterCount)),
            (key: "level", value: .string(level.rawValue)),
            (key: "percent_agreement", value: number(percentAgreement)),
            (key: "krippendorff_alpha", value: number(krippendorffAlpha)),
            (key: "fleiss_kappa", value: number(fleissKappa)),
            (key: "gwet_ac1", value: number(gwetAC1)),
            (key: "cohen_kappa", value: .array(cohenKappas.map { pair in
                var members: [(key: String, value: JSONValue)] = [
                    (key: "raters", value: [.int(pair.raters.0), .int(pair.raters.1)]), (key: "items", value: .int(pair.items)),
                    (key: "kappa", value: number(pair.kappa)),
                ]
                if level != .nominal {
                    members.append((key: "kappa_linear", value: number(pair.linear)))
                    members.append((key: "kappa_quadratic", value: number(pair.quadratic)))
                }
                return .object(members)
            })),
        ])
    }
}

private func pow2(_ x: Double) -> Double { x * x }
