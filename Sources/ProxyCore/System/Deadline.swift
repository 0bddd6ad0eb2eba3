#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock after which an operation gives up.
///
/// Every wait in ProxyCore takes one, so that no probe and no origin
/// connection can hang: a proxy must be able to abandon a stuck origin.
public struct Deadline: Sendable, Comparable {
    /// Nanoseconds on `CLOCK_MONOTONIC`.
    public let nanoseconds: UInt64

    /// The point `nanoseconds` after the monotonic clock's origin.
    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// The monotonic clock now.
    public static var now: Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    /// `seconds` from now: how every ProxyCore call is given its deadline.
    public static func after(seconds: Double) -> Deadline {
        now.adding(seconds: seconds)
    }

    /// This deadline moved `seconds` later; saturates at the end of time instead of
    /// overflowing, and treats a negative or NaN span as none.
    public func adding(seconds: Double) -> Deadline {
        let span = seconds.isNaN ? 0 : max(0, seconds) * 1_000_000_000
        let nanoseconds = span >= Double(UInt64.max) ? UInt64.max : UInt64(span)
        let (sum, overflow) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        return Deadline(nanoseconds: overflow ? .max : sum)
    }

    /// Milliseconds from this point until now; negative if it lies ahead.
    public var millisecondsUntilNow: Double {
        (Double(Deadline.now.nanoseconds) - Double(nanoseconds)) / 1_000_000
    }

    /// Milliseconds left, rounded up so that `poll` never spins on a sub-millisecond rest.
    public var remainingMilliseconds: Int32 {
        let now = Deadline.now.nanoseconds
        guard nanoseconds > now else { return 0 }
        return Int32(clamping: (nanoseconds - now + 999_999) / 1_000_000)
    }

    /// The earlier of two deadlines is the smaller.
    public static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}
