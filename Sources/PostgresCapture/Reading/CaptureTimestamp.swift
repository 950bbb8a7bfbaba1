import PostgresWire

/// When a packet was captured: seconds and nanoseconds since the Unix epoch (UTC).
public struct CaptureTimestamp: Sendable, Hashable, Comparable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, 0 to 999 999 999.
    public var nanoseconds: Int32

    /// Creates a timestamp from seconds and nanoseconds since the epoch.
    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Creates a timestamp from a capture's seconds and nanoseconds, whatever they are: nanoseconds outside 0 to
    /// 999 999 999 (a damaged record header's microseconds, which libpcap scales to nanoseconds unchecked) carry into
    /// the seconds, and seconds past the ends of `Int64` stop there, so that no header value traps.
    public init(seconds: Int64, carryingNanoseconds nanoseconds: Int64) {
        guard nanoseconds < 0 || nanoseconds >= 1_000_000_000 else {
            self.init(seconds: seconds, nanoseconds: Int32(truncatingIfNeeded: nanoseconds))
            return
        }
        var (carry, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        if remainder < 0 {
            carry -= 1
            remainder += 1_000_000_000
        }
        let (sum, overflow) = seconds.addingReportingOverflow(carry)
        self.init(
            seconds: overflow ? (carry < 0 ? .min : .max) : sum, nanoseconds: Int32(truncatingIfNeeded: remainder))
    }

    /// The time from `earlier` to this timestamp, in nanoseconds; `Int64.max` (or `.min`, when earlier) for times
    /// further apart than it holds (292 years: only damaged captures have such times).
    public func nanoseconds(since earlier: CaptureTimestamp) -> Int64 {
        let (secondsApart, subtractionOverflow) = seconds.subtractingReportingOverflow(earlier.seconds)
        let (scaled, multiplicationOverflow) = secondsApart.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, additionOverflow) = scaled.addingReportingOverflow(Int64(nanoseconds) - Int64(earlier.nanoseconds))
        guard subtractionOverflow || multiplicationOverflow || additionOverflow else { return total }
        return self < earlier ? .min : .max
    }

    /// RFC 3339 in UTC with microseconds: `2026-12-01T04:12:28.123456Z`.
    public var rfc3339: String { rfc3339(.microseconds) }

    /// RFC 3339 in UTC with the fraction of a second at `resolution`: `2026-12-01T04:12:28.123456Z`, or
    /// `2026-12-01T04:12:28.123456789Z` with nanoseconds.
    public func rfc3339(_ resolution: CaptureTimestampResolution) -> String {
        let (year, month, day) = GregorianDays.date(days: Int(seconds.floorDivided(by: 86_400)))
        return "\(Self.digits(year, 4))-\(Self.digits(month, 2))-\(Self.digits(day, 2))T\(timeOfDay(resolution))Z"
    }

    /// The UTC time of day with microseconds: `04:12:28.123456`.
    public var timeOfDay: String { timeOfDay(.microseconds) }

    /// The UTC time of day with the fraction of a second at `resolution`: `04:12:28.123456`, or `04:12:28.123456789`
    /// with nanoseconds.
    public func timeOfDay(_ resolution: CaptureTimestampResolution) -> String {
        // The remainder, not `seconds - days * 86_400`: that product overflows for the earliest seconds.
        let remainder = Int(seconds % 86_400)
        let secondOfDay = remainder < 0 ? remainder + 86_400 : remainder
        let fraction =
            resolution == .nanoseconds
            ? Self.digits(Int(nanoseconds), 9) : Self.digits(Int(nanoseconds) / 1000, 6)
        // Concatenated, not joined from an array: this runs for every packet of a capture.
        return Self.digits(secondOfDay / 3600, 2) + ":" + Self.digits(secondOfDay / 60 % 60, 2) + ":"
            + Self.digits(secondOfDay % 60, 2) + "." + fraction
    }

    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

extension Int64 {
    /// The quotient rounded toward negative infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
