import ProxyCore
import Testing

/// `Deadline.adding(seconds:)` saturates at the end of time and treats a negative or NaN span as none.
@Suite struct DeadlineTests {
    @Test(arguments: [
        (UInt64(0), 1.5, UInt64(1_500_000_000)),
        (10, 0, 10),
        (10, 0.25, 250_000_010),
        (UInt64.max - 2_000_000_000, 1, UInt64.max - 1_000_000_000),
        // Saturation: the span alone, or the sum, beyond UInt64.
        (0, 1e11, UInt64.max),
        (0, .infinity, UInt64.max),
        (0, .greatestFiniteMagnitude, UInt64.max),
        (UInt64.max - 10, 1, UInt64.max),
        (UInt64.max, 1e11, UInt64.max),
        // Nothing added.
        (10, -1, 10),
        (10, -1e11, 10),
        (10, -.infinity, 10),
        (10, .nan, 10),
        (UInt64.max, -5, UInt64.max),
    ])
    func adding(_ start: UInt64, _ seconds: Double, _ expected: UInt64) {
        #expect(Deadline(nanoseconds: start).adding(seconds: seconds).nanoseconds == expected)
    }

    @Test func theEndOfTimeNeverRunsOutAndThePastHasNothingLeft() {
        #expect(Deadline.after(seconds: .infinity).remainingMilliseconds == Int32.max)
        #expect(Deadline.after(seconds: 1e11).remainingMilliseconds == Int32.max)
        #expect(Deadline.after(seconds: -1).remainingMilliseconds == 0)
        #expect(Deadline.after(seconds: .nan).remainingMilliseconds == 0)
        #expect(Deadline.after(seconds: 1e11) > Deadline.after(seconds: 1e6))
    }
}
