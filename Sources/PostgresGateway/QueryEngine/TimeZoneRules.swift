import NIOConcurrencyHelpers
import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A time zone as PostgreSQL's `TimeZone` setting names it: a zone of the system's tz database (`Europe/Paris`,
/// read from its TZif file, names in any letter case as PostgreSQL finds them), a number of hours east of UTC
/// (`2`, `-3.5`) or a POSIX zone specification (`<+02>-02`, `-05:30`, `UTC+3`, `EST5EDT`); with its UTC offsets and
/// abbreviations at every instant, and PostgreSQL's reading of a local time in it.
struct TimeZoneRules: Sendable, Hashable {
    /// One kind of local time: its offset east of UTC in seconds and its abbreviation (`CET`, `LMT`, `+0545`).
    struct LocalTime: Sendable, Hashable {
        var offset: Int64
        var abbreviation: String
    }

    /// A day of the year as a POSIX zone specification gives one: `Jn` (1 to 365, no February 29), `n` (0 to 365)
    /// or `Mm.w.d` (weekday `d` of week `w`, 5 the last, of month `m`), with the local time of day in seconds.
    struct DayRule: Sendable, Hashable {
        enum Day: Sendable, Hashable {
            case julianNoLeap(Int)
            case zeroBased(Int)
            case monthWeekDay(month: Int, week: Int, weekday: Int)
        }
        var day: Day
        var time: Int64 = 7_200
    }

    /// The daylight time of a POSIX specification and when it starts and ends.
    struct Daylight: Sendable, Hashable {
        var time: LocalTime
        var start: DayRule
        var end: DayRule
    }

    /// The UTC instants (seconds since 1970) at which the local time changes, ascending.
    var transitions: [Int64] = []
    /// The local time from each transition on (indices into ``localTimes``).
    var transitionTypes: [Int] = []
    /// The local times; the first is the one before the first transition.
    var localTimes: [LocalTime]
    /// The standard time after the last transition (a TZif file's footer, or a POSIX specification).
    var standard: LocalTime?
    /// The daylight time after the last transition, if any.
    var daylight: Daylight?

    /// UTC.
    static let utc = TimeZoneRules(localTimes: [LocalTime(offset: 0, abbreviation: "UTC")])

    /// The zones read so far, by setting value (`nil`: not a zone).
    private static let cache = NIOLockedValueBox<[String: TimeZoneRules?]>([:])

    /// The zone the `TimeZone` setting `name` names, `nil` when it names none.
    static func named(_ name: String) -> TimeZoneRules? {
        if ["UTC", "Etc/UTC", "GMT", "Etc/GMT"].contains(name) { return .utc }
        if let known = cache.withLockedValue({ $0[name] }) { return known }
        let rules = load(name)
        cache.withLockedValue { cache in
            if cache.count > 1_000 { cache.removeAll() }
            cache[name] = rules
        }
        return rules
    }

    /// Reads `name` as PostgreSQL's `check_timezone` does: hours east of UTC, a zone of the tz database, or a POSIX
    /// specification.
    private static func load(_ name: String) -> TimeZoneRules? {
        let trimmed = name.trimmingWhitespace()
        if let hours = Double(trimmed), hours.isFinite, abs(hours) < 168 {
            let offset = Int64((hours * 3_600).rounded())
            return TimeZoneRules(localTimes: [LocalTime(offset: offset, abbreviation: "")])
        }
        if let bytes = zoneFile(trimmed), let rules = TimeZoneRules(tzif: bytes) { return rules }
        return TimeZoneRules(posix: Substring(trimmed))
    }

    /// The TZif file of zone `name` under the tz database's directory (`TZDIR`, else `/usr/share/zoneinfo`), each
    /// part of the name matched in any letter case.
    private static func zoneFile(_ name: String) -> [UInt8]? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty,
            parts.allSatisfy({
                !$0.isEmpty && $0 != "." && $0 != ".."
                    && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-".contains($0)) }
            })
        else { return nil }
        var path = getenv("TZDIR").map { String(cString: $0) } ?? "/usr/share/zoneinfo"
        for part in parts {
            guard let directory = opendir(path) else { return nil }
            defer { closedir(directory) }
            var found: String?
            while let entry = readdir(directory) {
                let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if entryName == part {
                    found = entryName
                    break
                }
                if found == nil && entryName.lowercased() == part.lowercased() { found = entryName }
            }
            guard let found else { return nil }
            path += "/" + found
        }
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk.prefix(count)
            if bytes.count > 1_000_000 { return nil }
        }
        return bytes
    }

    /// A zone with one local time and no transitions.
    init(localTimes: [LocalTime]) {
        self.localTimes = localTimes
    }

    /// A TZif file (RFC 8536): its 64-bit data for version 2 and later, with the footer's rule after the last
    /// transition.
    init?(tzif bytes: [UInt8]) {
        var reader = bytes[...]
        func integer(_ width: Int) -> Int64? {
            guard reader.count >= width else { return nil }
            var value: Int64 = 0
            for byte in reader.prefix(width) { value = value << 8 | Int64(byte) }
            reader = reader.dropFirst(width)
            // Sign-extend.
            let shift = Int64(64 - width * 8)
            return width == 8 ? value : (value << shift) >> shift
        }
        func header() -> (version: UInt8, counts: [Int])? {
            guard reader.count >= 44, reader.prefix(4).elementsEqual("TZif".utf8) else { return nil }
            let version = reader[reader.startIndex + 4]
            reader = reader.dropFirst(20)
            var counts: [Int] = []
            for _ in 0..<6 {
                guard let count = integer(4), count >= 0 else { return nil }
                counts.append(Int(count))
            }
            return (version, counts)
        }
        guard var (version, counts) = header() else { return nil }
        var timeSize = 4
        if version >= UInt8(ascii: "2") {
            // Skip the 32-bit data.
            let (isUT, isStd, leaps, times, types, characters) =
                (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
            reader = reader.dropFirst(times * 5 + types * 6 + characters + leaps * 8 + isStd + isUT)
            guard let second = header() else { return nil }
            (version, counts) = second
            timeSize = 8
        }
        let (isUT, isStd, leaps, times, types, characters) =
            (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
        guard types > 0 else { return nil }
        var transitions: [Int64] = []
        for _ in 0..<times {
            guard let time = integer(timeSize) else { return nil }
            transitions.append(time)
        }
        var transitionTypes: [Int] = []
        for _ in 0..<times {
            guard let type = integer(1) else { return nil }
            transitionTypes.append(Int(UInt8(truncatingIfNeeded: type)))
        }
        var rawTypes: [(offset: Int64, abbreviationIndex: Int)] = []
        for _ in 0..<types {
            guard let offset = integer(4), integer(1) != nil, let index = integer(1) else { return nil }
            rawTypes.append((offset, Int(UInt8(truncatingIfNeeded: index))))
        }
        guard reader.count >= characters else { return nil }
        let abbreviations = Array(reader.prefix(characters))
        reader = reader.dropFirst(characters + leaps * (timeSize + 4) + isStd + isUT)
        guard transitionTypes.allSatisfy({ $0 < types }) else { return nil }
        localTimes = rawTypes.map { type in
            let start = min(type.abbreviationIndex, abbreviations.count)
            let name = abbreviations[start...].prefix { $0 != 0 }
            return LocalTime(offset: type.offset, abbreviation: String(decoding: name, as: UTF8.self))
        }
        self.transitions = transitions
        self.transitionTypes = transitionTypes
        if timeSize == 8, reader.first == UInt8(ascii: "\n") {
            let footer = reader.dropFirst().prefix { $0 != UInt8(ascii: "\n") }
            if !footer.isEmpty, let rule = TimeZoneRules(posix: Substring(decoding: footer, as: UTF8.self)) {
                standard = rule.standard
                daylight = rule.daylight
            }
        }
    }

    /// A POSIX zone specification: `std offset [dst [offset] [,start[/time],end[/time]]]`, names alphabetic or in
    /// angle brackets (`<+02>`), offsets hours west of UTC (`UTC+3` is three hours behind). The name may be empty
    /// (`-05:30`), as PostgreSQL takes it.
    init?(posix text: Substring) {
        var rest = text
        func name() -> String? {
            if rest.first == "<" {
                guard let close = rest.firstIndex(of: ">") else { return nil }
                let name = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                return String(name)
            }
            let name = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(name.count)
            return String(name)
        }
        /// `[+-]hh[:mm[:ss]]` → seconds.
        func clock(signed: Bool) -> Int64? {
            var sign: Int64 = 1
            if signed, let first = rest.first, first == "+" || first == "-" {
                sign = first == "-" ? -1 : 1
                rest = rest.dropFirst()
            }
            var total: Int64 = 0
            for (index, factor) in [Int64(3_600), 60, 1].enumerated() {
                if index > 0 {
                    guard rest.first == ":" else { break }
                    rest = rest.dropFirst()
                }
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                guard (1...3).contains(digits.count), let value = Int64(digits) else { return nil }
                rest = rest.dropFirst(digits.count)
                total += value * factor
            }
            return sign * total
        }
        func dayRule() -> DayRule? {
            let day: DayRule.Day
            if rest.first == "J" {
                rest = rest.dropFirst()
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(digits.count)
                guard let value = Int(digits), (1...365).contains(value) else { return nil }
                day = .julianNoLeap(value)
            } else if rest.first == "M" {
                rest = rest.dropFirst()
                let fields = rest.prefix { ($0.isASCII && $0.isNumber) || $0 == "." }
                rest = rest.dropFirst(fields.count)
                let numbers = fields.split(separator: ".", omittingEmptySubsequences: false).compactMap { Int($0) }
                guard numbers.count == 3, (1...12).contains(numbers[0]), (1...5).contains(numbers[1]),
                    (0...6).contains(numbers[2])
                else { return nil }
                day = .monthWeekDay(month: numbers[0], week: numbers[1], weekday: numbers[2])
            } else {
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(digits.count)
                guard let value = Int(digits), (0...365).contains(value) else { return nil }
                day = .zeroBased(value)
            }
            var rule = DayRule(day: day)
            if rest.first == "/" {
                rest = rest.dropFirst()
                guard let time = clock(signed: true) else { return nil }
                rule.time = time
            }
            return rule
        }
        guard let standardName = name(), let westOffset = clock(signed: true) else { return nil }
        let standard = LocalTime(offset: -westOffset, abbreviation: standardName)
        localTimes = [standard]
        self.standard = standard
        guard !rest.isEmpty else { return }
        guard let daylightName = name(), !daylightName.isEmpty else { return nil }
        var daylightOffset = standard.offset + 3_600
        if let first = rest.first, first != "," {
            guard let west = clock(signed: true) else { return nil }
            daylightOffset = -west
        }
        // Without rules, the United States' (the rules PostgreSQL's posixrules zone gives).
        var start = DayRule(day: .monthWeekDay(month: 3, week: 2, weekday: 0))
        var end = DayRule(day: .monthWeekDay(month: 11, week: 1, weekday: 0))
        if rest.first == "," {
            rest = rest.dropFirst()
            guard let first = dayRule(), rest.first == "," else { return nil }
            rest = rest.dropFirst()
            guard let second = dayRule() else { return nil }
            (start, end) = (first, second)
        }
        guard rest.isEmpty else { return nil }
        daylight = Daylight(
            time: LocalTime(offset: daylightOffset, abbreviation: daylightName), start: start, end: end)
    }

    // MARK: Instants

    /// The local time at the UTC instant `seconds` (since 1970).
    func localTime(at seconds: Int64) -> LocalTime {
        if let first = transitions.first, let last = transitions.last {
            if seconds < first { return localTimes[0] }
            if seconds < last || standard == nil {
                // The last transition at or before the instant.
                var (low, high) = (0, transitions.count - 1)
                while low < high {
                    let middle = (low + high + 1) / 2
                    if transitions[middle] <= seconds { low = middle } else { high = middle - 1 }
                }
                return localTimes[transitionTypes[low]]
            }
        }
        // After the last transition: the footer's rule, else the one local time.
        guard let standard else { return localTimes[0] }
        guard let daylight else { return standard }
        let year = GregorianDays.date(days: Self.floorDivide(seconds + standard.offset, 86_400)).year
        let (start, end) = ruleTransitions(daylight, year: year, standard: standard)
        let isDaylight = start < end ? (seconds >= start && seconds < end) : (seconds < end || seconds >= start)
        return isDaylight ? daylight.time : standard
    }

    /// The UTC instants at which daylight time starts and ends in `year`.
    private func ruleTransitions(_ daylight: Daylight, year: Int, standard: LocalTime) -> (start: Int64, end: Int64) {
        let start = Int64(Self.day(of: daylight.start.day, year: year)) * 86_400 + daylight.start.time
        let end = Int64(Self.day(of: daylight.end.day, year: year)) * 86_400 + daylight.end.time
        return (start - standard.offset, end - daylight.time.offset)
    }

    /// The first instant after `seconds` at which the local time may change, `nil` when it never does again.
    private func nextTransition(after seconds: Int64) -> Int64? {
        if let last = transitions.last, seconds < last {
            var (low, high) = (0, transitions.count - 1)
            while low < high {
                let middle = (low + high) / 2
                if transitions[middle] > seconds { high = middle } else { low = middle + 1 }
            }
            return transitions[low]
        }
        guard let standard, let daylight else { return nil }
        let year = GregorianDays.date(days: Self.floorDivide(seconds, 86_400)).year
        var candidates: [Int64] = []
        for candidateYear in year - 1...year + 1 {
            let (start, end) = ruleTransitions(daylight, year: candidateYear, standard: standard)
            candidates += [start, end]
        }
        return candidates.filter { $0 > seconds }.min()
    }

    /// The UTC instant of local time `local` (seconds since 1970 as if in UTC), as PostgreSQL's
    /// `DetermineTimeZoneOffset` reads it: a time skipped by a change to daylight time has the offset before the
    /// change (02:30 in New York on 2024-03-10 is 03:30 -04), a time repeated by a change back the offset after it
    /// (01:30 on 2024-11-03 is 01:30 -05).
    func instant(ofLocal local: Int64) -> Int64 {
        let previous = local - 86_400
        let before = localTime(at: previous).offset
        guard let boundary = nextTransition(after: previous) else { return local - before }
        let after = localTime(at: boundary).offset
        let (beforeTime, afterTime) = (local - before, local - after)
        if beforeTime < boundary && afterTime < boundary { return beforeTime }
        if beforeTime > boundary && afterTime >= boundary { return afterTime }
        return beforeTime > afterTime ? beforeTime : afterTime
    }

    /// The days since 1970-01-01 of the day `rule` names in `year`.
    private static func day(of rule: DayRule.Day, year: Int) -> Int {
        let january1 = GregorianDays.days(year: year, month: 1, day: 1)
        switch rule {
        case .julianNoLeap(let day):
            return january1 + day - 1 + (DateTimeText.isLeap(year) && day >= 60 ? 1 : 0)
        case .zeroBased(let day):
            return january1 + day
        case .monthWeekDay(let month, let week, let weekday):
            let first = GregorianDays.days(year: year, month: month, day: 1)
            // 1970-01-01 was a Thursday (4).
            let firstWeekday = (first % 7 + 7 + 4) % 7
            var day = 1 + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
            while day > DateTimeText.monthLength(year: year, month: month) { day -= 7 }
            return first + day - 1
        }
    }

    /// `value / divisor` rounded down.
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int {
        Int(value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor))
    }
}
