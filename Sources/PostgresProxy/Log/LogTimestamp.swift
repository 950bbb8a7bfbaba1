#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A wall-clock instant with microseconds, formatted for the traffic log.
struct LogTimestamp {
    /// Seconds since the Unix epoch.
    let seconds: Int
    /// Microseconds within the second.
    let microseconds: Int

    /// The current time.
    static func now() -> LogTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return LogTimestamp(seconds: Int(time.tv_sec), microseconds: Int(time.tv_nsec) / 1_000)
    }

    /// `HH:MM:SS.ffffff` in UTC, for text lines.
    var clockText: String { Self.text(ofSecond: seconds).clock + "." + microsecondText }

    /// RFC 3339 in UTC with microseconds, such as `2026-12-01T04:30:00.123456Z`, for JSON lines.
    var rfc3339: String {
        let second = Self.text(ofSecond: seconds)
        return second.date + "T" + second.clock + "." + microsecondText + "Z"
    }

    /// The six digits of the microseconds.
    var microsecondText: String { Self.padded(microseconds, 6) }

    /// `YYYY-MM-DD` and `HH:MM:SS` in UTC of a second since the epoch.
    static func text(ofSecond seconds: Int) -> (date: String, clock: String) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let date =
            "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))"
        return (
            date, "\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2))"
        )
    }

    private static func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
