/// The time from a statement's first message to the ReadyForQuery that ends it, as `pgw decode` and `pgw proxy`
/// show it: `  (1.234 ms)` after the ReadyForQuery's text line, `"latencyMicroseconds"` in its JSON line.
public struct StatementLatency: Sendable, Hashable, Comparable {
    /// The latency in nanoseconds.
    public var nanoseconds: Int64

    /// A latency of `nanoseconds`.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Rounded to whole microseconds.
    public var microseconds: Int64 {
        // Rounded from the remainder: adding 500 first would overflow near the ends of `Int64`.
        let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1000)
        return quotient + (remainder >= 500 ? 1 : remainder <= -500 ? -1 : 0)
    }

    /// Milliseconds with three decimals: `1.234 ms`.
    public var text: String {
        let microseconds = self.microseconds
        let sign = microseconds < 0 ? "-" : ""
        let fraction = String(abs(microseconds) % 1000)
        return "\(sign)\(abs(microseconds) / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) ms"
    }

    /// What follows a ReadyForQuery's text line: `  (1.234 ms)`.
    public var textSuffix: String {
        "  (\(text))"
    }

    /// The member a ReadyForQuery's JSON line carries: `"latencyMicroseconds": 1234`.
    public var jsonMember: (String, RenderedValue) {
        ("latencyMicroseconds", .integer(microseconds))
    }

    public static func < (lhs: StatementLatency, rhs: StatementLatency) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}
