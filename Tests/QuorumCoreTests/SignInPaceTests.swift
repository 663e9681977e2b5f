import Foundation
import QuorumCore
import Testing

/// `SignInPace`: free attempts, then waits that double from the first wait up to the cap, early attempts refused
/// with the seconds left, and a record forgotten after its window.
@Suite struct SignInPaceTests {
    @Test func waitsDoubleFromTheFirstWaitUpToTheCap() {
        let usual = SignInPace()
        #expect((1...9).map { usual.delay(after: $0) } == [0, 0, 0, 0, 2, 4, 8, 16, 32])
        #expect(usual.delay(after: 40) == 300)
        let slow = SignInPace(free: 2, firstWait: 120)
        #expect((1...4).map { slow.delay(after: $0) } == [0, 120, 240, 300])
    }

    @Test func anEarlyAttemptIsRefusedWithTheSecondsLeftAndAnOldRecordForgotten() {
        let pace = SignInPace(free: 1, firstWait: 10)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let (first, kept) = pace.attempt(after: nil, now: start)
        #expect(first == .allow && kept.attempts == 1 && kept.nextAllowed == start.addingTimeInterval(10))
        let (early, unchanged) = pace.attempt(after: kept, now: start.addingTimeInterval(2.5))
        #expect(early == .refuse(retryAfter: 8) && unchanged == kept)
        let (inTime, next) = pace.attempt(after: kept, now: start.addingTimeInterval(10))
        #expect(inTime == .allow && next.attempts == 2 && next.nextAllowed == start.addingTimeInterval(30))
        let (later, fresh) = pace.attempt(after: next, now: start.addingTimeInterval(10 + pace.window + 1))
        #expect(later == .allow && fresh.attempts == 1)
    }
}
