import NIOCore

extension BinaryValueEncoder {
    /// Microseconds in a second.
    private static let microsecondsPerSecond: Int64 = 1_000_000
    /// Microseconds in a day: the largest time of day (`24:00:00`).
    private static let microsecondsPerDay: Int64 = 86_400_000_000

    /// `2026-12-01[ 04:14:32[.123456][+00]]` → days and microseconds since 2000-01-01 (UTC for a time zone offset).
    static func dateTime(_ text: String) -> (days: Int, microseconds: Int64)? {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard let first = parts.first else { return nil }
        let date = first.split(separator: "-").compactMap { Int($0) }
        guard date.count == 3 else { return nil }
        var microseconds: Int64 = 0
        if parts.count == 2 {
            guard let (clock, offset) = clockAndOffset(parts[1]) else { return nil }
            microseconds = clock - (offset ?? 0) * microsecondsPerSecond
        }
        return (daysSince2000(year: date[0], month: date[1], day: date[2]), microseconds)
    }

    /// Days from 2000-01-01 (PostgreSQL's epoch) to a proleptic Gregorian date.
    private static func daysSince2000(year: Int, month: Int, day: Int) -> Int {
        GregorianDays.days(year: year, month: month, day: day) - 10_957
    }

    /// time (`time_send`): `13:45:06.789` → microseconds since midnight, up to `24:00:00`.
    static func time(_ text: String) -> ByteBuffer? {
        guard let (clock, offset) = clockAndOffset(Substring(text)), offset == nil, clock <= microsecondsPerDay
        else { return nil }
        var buffer = ByteBuffer()
        buffer.writeInteger(clock)
        return buffer
    }

    /// timetz (`timetz_send`): `13:45:06.789+02` → microseconds since midnight, then the zone in seconds west of
    /// UTC (`+02` is -7200).
    static func timeWithTimeZone(_ text: String) -> ByteBuffer? {
        guard let (clock, offset) = clockAndOffset(Substring(text)), let offset, clock <= microsecondsPerDay
        else { return nil }
        var buffer = ByteBuffer()
        buffer.writeInteger(clock)
        buffer.writeInteger(Int32(-offset))
        return buffer
    }

    /// `HH:MM:SS[.ffffff]` with an optional UTC offset (`+02`, `-05:30`, `+05:30:15`) → microseconds and the offset
    /// in seconds east of UTC (`nil` without one).
    private static func clockAndOffset(_ text: Substring) -> (microseconds: Int64, offset: Int64?)? {
        var clock = text
        var offset: Int64?
        if let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let fields = text[text.index(after: sign)...].split(separator: ":", omittingEmptySubsequences: false)
            let numbers = fields.compactMap { $0.count == 2 ? Int64($0) : nil }
            guard (1...3).contains(fields.count), numbers.count == fields.count else { return nil }
            let seconds = numbers.enumerated().reduce(Int64(0)) { $0 + $1.element * [3_600, 60, 1][$1.offset] }
            offset = text[sign] == "-" ? -seconds : seconds
            clock = text[..<sign]
        }
        guard let microseconds = clockMicroseconds(clock) else { return nil }
        return (microseconds, offset)
    }

    /// `HH:MM:SS[.ffffff]` (the hours may exceed 24, as in an interval) → microseconds.
    private static func clockMicroseconds(_ text: Substring) -> Int64? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 3, isDigits(fields[0]), fields[0].count <= 10, let hours = Int64(fields[0]),
            fields[1].count == 2, isDigits(fields[1]), let minutes = Int64(fields[1]), minutes < 60,
            let seconds = secondsMicroseconds(fields[2]), seconds < 60 * microsecondsPerSecond
        else { return nil }
        return (hours * 3_600 + minutes * 60) * microsecondsPerSecond + seconds
    }

    /// `SS[.ffffff]` → microseconds, exactly (a seventh digit of the fraction rounds, as PostgreSQL's input does).
    private static func secondsMicroseconds(_ text: Substring) -> Int64? {
        let halves = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves[0].count == 2, isDigits(halves[0]), let seconds = Int64(halves[0]) else { return nil }
        guard halves.count == 2 else { return seconds * microsecondsPerSecond }
        guard isDigits(halves[1]) else { return nil }
        let digits = halves[1].utf8.prefix(7).map { Int64($0 - UInt8(ascii: "0")) }
        var microseconds: Int64 = 0
        for place in 0..<6 { microseconds = microseconds * 10 + (place < digits.count ? digits[place] : 0) }
        if digits.count == 7, digits[6] >= 5 { microseconds += 1 }
        return seconds * microsecondsPerSecond + microseconds
    }

    /// Whether `text` is one or more ASCII digits.
    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// interval (`interval_send`) from its output in IntervalStyle postgres (`1 year 2 mons 3 days 04:05:06.5`,
    /// `-1 days +02:00:00`) or the same units spelled out (`2 hours 3 minutes`, `1 week`): microseconds, days,
    /// months.
    static func interval(_ text: String) -> ByteBuffer? {
        var months: Int64 = 0
        var days: Int64 = 0
        var microseconds: Int64 = 0
        let words = text.split(separator: " ")
        guard !words.isEmpty else { return nil }
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.contains(":") {
                // The time part: `[+-]HH:MM:SS[.ffffff]`.
                let isNegative = word.first == "-"
                let body = word.first == "-" || word.first == "+" ? word.dropFirst() : word
                guard let clock = clockMicroseconds(body) else { return nil }
                microseconds += isNegative ? -clock : clock
                index += 1
                continue
            }
            guard index + 1 < words.count, let amount = Int64(word), let unit = intervalUnits[words[index + 1]] else {
                return nil
            }
            let (product, overflow) = amount.multipliedReportingOverflow(by: unit.factor)
            guard !overflow else { return nil }
            switch unit.field {
            case .months: months += product
            case .days: days += product
            case .microseconds: microseconds += product
            }
            index += 2
        }
        guard let months = Int32(exactly: months), let days = Int32(exactly: days) else { return nil }
        var buffer = ByteBuffer()
        buffer.writeInteger(microseconds)
        buffer.writeInteger(days)
        buffer.writeInteger(months)
        return buffer
    }

    /// The field of an interval a unit counts in.
    private enum IntervalField {
        case months, days, microseconds
    }

    /// The units of an interval's text, each with the field it counts in and how many of that field one is.
    private static let intervalUnits: [Substring: (field: IntervalField, factor: Int64)] = {
        let units: [([Substring], IntervalField, Int64)] = [
            (["year", "years"], .months, 12), (["mon", "mons", "month", "months"], .months, 1),
            (["week", "weeks"], .days, 7), (["day", "days"], .days, 1),
            (["hour", "hours"], .microseconds, 3_600_000_000),
            (["min", "mins", "minute", "minutes"], .microseconds, 60_000_000),
            (["sec", "secs", "second", "seconds"], .microseconds, 1_000_000),
        ]
        return Dictionary(
            uniqueKeysWithValues: units.flatMap { names, field, factor in names.map { ($0, (field, factor)) } })
    }()
}
