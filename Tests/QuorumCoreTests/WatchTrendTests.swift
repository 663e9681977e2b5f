import Testing
@testable import QuorumCore

@Suite struct WatchTrendTests {
    /// v3 passes 45 of 50 in the week of 2026-11-02 and 30 of 50 in the next; v4 passes 18 of 20 in the second.
    static func judged(extraWeek: [(String, Int, Int)] = []) -> [WatchTrend.Judged] {
        var all: [WatchTrend.Judged] = []
        func add(_ version: String, _ day: String, passes: Int, of n: Int) {
            for i in 0..<n { all.append(.init(model: version, servedAt: "\(day)T1\(i % 10):00:00.000Z", verdict: i < passes ? "pass" : "fail")) }
        }
        add("v3", "2026-11-03", passes: 45, of: 50)  // a Tuesday: the week from Monday 2026-11-02
        add("v3", "2026-11-12", passes: 30, of: 50)  // the week from 2026-11-09
        add("v4", "2026-11-10", passes: 18, of: 20)
        for (day, passes, n) in extraWeek { add("v3", day, passes: passes, of: n) }
        return all
    }

    @Test func ratesIntervalsAndChangeMatchTheReference() throws {
        let trend = WatchTrend(judged: Self.judged(), scale: .passFail, by: .week, alertBelow: 0.8)
        #expect(trend.rows.map { "\($0.version) \($0.start) \($0.judged)" } == ["v3 2026-11-02 50", "v3 2026-11-09 50", "v4 2026-11-09 20"])
        let second = trend.rows[1]
        #expect(abs(second.rate! - 0.6) < 1e-12 && abs(second.change! + 0.3) < 1e-12)
        // statsmodels 0.15.0: proportion_confint(30, 50, method="wilson") = (0.4618143774758935, 0.7239161026974344);
        // proportions_ztest([45, 30], [50, 50])[1] = 0.0005320055051392477
        #expect(abs(second.ci!.0 - 0.4618143774758935) < 1e-9 && abs(second.ci!.1 - 0.7239161026974344) < 1e-9)
        #expect(abs(second.pValue! - 0.0005320055051392477) < 1e-9)
        #expect(trend.rows[0].change == nil && trend.rows[2].change == nil)
        // v3's latest week is at 60%, its interval wholly under 80%: an alert; v4's 90% is not.
        #expect(trend.alerts.map(\.version) == ["v3"])
        #expect(WatchTrend.twoProportionP(0.9, 20, 0.6, 20).map { abs($0 - 0.028459736916310565) < 1e-9 } == true)
        let json = trend.json
        #expect(json["periods"]?.arrayValue?.count == 3 && json["alerts"]?.arrayValue?.first?["version"] == "v3")
    }

    @Test func anAlertClearsWhenTheRateComesBack() {
        // The week from 2026-11-16: 48 of 50.
        let trend = WatchTrend(judged: Self.judged(extraWeek: [("2026-11-17", 48, 50)]), scale: .passFail, by: .week, alertBelow: 0.8)
        #expect(trend.alerts.isEmpty)
        #expect(WatchTrend(judged: Self.judged(), scale: .passFail, by: .month, alertBelow: 0.8).rows.map(\.start) == ["2026-11", "2026-11"])
        #expect(WatchTrend.Period.week.start(of: "2026-11-30T10:00:00.000Z") == "2026-11-30")
        #expect(WatchTrend.Period.week.start(of: "2026-12-06T23:59:00.000Z") == "2026-11-30")
    }
}
