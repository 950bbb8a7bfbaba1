import PostgresWire

/// PostgreSQL's input of a date or timestamp in ISO form (`2024-01-05`, `2024-1-5 1:02`, `2024-01-05T01:02:03.5`,
/// with a zone offset `+01`, `-05:30`, `+0545` or `Z`, or `infinity`), a timestamptz without an offset read in the
/// session's time zone; and its output in each `DateStyle` (ISO, SQL, Postgres, German) and, for a timestamptz, in
/// the session's time zone. The engine keeps a timestamptz as its ISO text in UTC (`2024-01-05 01:02:03+00`),
/// converted on output. Field values out of range are PostgreSQL's 22008; other forms (`today`, `Jan 5 2024`, zone
/// names, `24:00:00`, more than 6 digits of seconds, years BC or beyond 9999) are not read.
enum DateTimeText {
    /// What input gives: PostgreSQL's output, or its error (message and hint).
    enum Reading {
        case value(String)
        case outOfRange(hint: String?)
        case unread
    }

    /// A date and time of day as written: days since 1970-01-01, seconds into the day, the fraction's digits (no
    /// trailing zeros) and the zone offset written (seconds east of UTC), if any.
    struct Moment {
        var days: Int
        var seconds: Int64
        var fraction: Substring
        var offset: Int64?

        /// Seconds since 1970-01-01 00:00 (local, or UTC when ``offset`` is 0).
        var epochSeconds: Int64 { Int64(days) * 86_400 + seconds }

        /// The moment `seconds` since 1970 (with the same fraction), without an offset.
        func moved(to seconds: Int64) -> Moment {
            let days = TimeZoneRules.floorDivide(seconds, 86_400)
            return Moment(days: days, seconds: seconds - Int64(days) * 86_400, fraction: fraction, offset: nil)
        }
    }

    /// How `DateStyle` prints dates: the style and whether the day comes before the month (DMY).
    struct DateStyle: Sendable, Hashable {
        enum Style: Sendable, Hashable {
            case iso, sql, postgres, german
        }
        var style: Style
        var dayFirst: Bool

        /// The style a `DateStyle` setting names (`ISO, MDY`, `SQL, DMY`, `German`, `postgres,euro`, `DMY`), `nil`
        /// when it is not one.
        init?(_ setting: String) {
            var style: Style?
            var dayFirst: Bool?
            for word in setting.split(whereSeparator: { $0 == "," || $0 == " " }) {
                switch word.lowercased() {
                case "iso": style = .iso
                case "sql": style = .sql
                case "postgres": style = .postgres
                case "german": style = .german
                case "dmy", "euro", "european": dayFirst = true
                case "mdy", "ymd", "us", "noneuro", "noneuropean": dayFirst = false
                default: return nil
                }
            }
            // An order alone (`DMY`) keeps the style, ISO by default.
            guard style != nil || dayFirst != nil else { return nil }
            let chosen = style ?? .iso
            self.style = chosen
            // ISO prints the same in every order, German day first.
            self.dayFirst = chosen == .german || (chosen != .iso && dayFirst == true)
        }

        /// PostgreSQL's default, `ISO, MDY`.
        static let iso = DateStyle("ISO, MDY")!
    }

    /// The output of `text` (already trimmed) read as a `date`, `timestamp` or `timestamptz` (`type`), in ISO form;
    /// a timestamptz in UTC, read in `zone` when it has no offset.
    static func read(_ text: String, as type: String, in zone: TimeZoneRules = .utc) -> Reading {
        switch text.lowercased() {
        case "infinity": return .value("infinity")
        case "-infinity": return .value("-infinity")
        default: break
        }
        guard
            let match = text.wholeMatch(
                of:
                    /(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[ T]| +)(\d{1,2}):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)? *(?:(Z)|([+-])(\d{1,2})(?::?(\d\d)(?::(\d\d))?)?)?/
            ),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3), year > 0
        else {
            return .unread
        }
        guard (1...12).contains(month), (1...31).contains(day) else {
            return .outOfRange(hint: "Perhaps you need a different \"datestyle\" setting.")
        }
        let hour = match.4.flatMap { Int($0) } ?? 0
        let minute = match.5.flatMap { Int($0) } ?? 0
        let second = match.6.flatMap { Int($0) } ?? 0
        guard day <= monthLength(year: year, month: month), hour <= 24, minute < 60, second <= 60 else {
            return .outOfRange(hint: nil)
        }
        // 24:00:00 and a leap second roll over to the next minute or day, which this does not compute.
        guard hour < 24, second < 60 else { return .unread }
        var offset: Int64?
        if match.8 != nil {
            offset = 0
        } else if let sign = match.9, let hours = match.10.flatMap({ Int64($0) }) {
            let minutes = match.11.flatMap { Int64($0) } ?? 0
            let seconds = match.12.flatMap { Int64($0) } ?? 0
            // PostgreSQL's limit is 15:59:59 (22009 beyond, not computed here).
            guard hours <= 15, minutes < 60, seconds < 60 else { return .unread }
            offset = (sign == "-" ? -1 : 1) * (hours * 3_600 + minutes * 60 + seconds)
        }
        var fraction = Substring(match.7 ?? "")
        while fraction.last == "0" { fraction = fraction.dropLast() }
        var moment = Moment(
            days: GregorianDays.days(year: year, month: month, day: day),
            seconds: Int64(hour * 3_600 + minute * 60 + second),
            fraction: fraction, offset: nil)
        switch type {
        case "date": return .value(isoText(moment, time: false))
        case "timestamp": return .value(isoText(moment, time: true))
        default:
            let local = moment.epochSeconds
            moment = moment.moved(to: offset.map { local - $0 } ?? zone.instant(ofLocal: local))
            moment.offset = 0
            guard (1...9999).contains(GregorianDays.date(days: moment.days).year) else { return .unread }
            return .value(isoText(moment, time: true))
        }
    }

    /// `text`, a value the engine keeps (ISO; a timestamptz in UTC), read back; `nil` for other text (infinity).
    static func moment(of text: String) -> Moment? {
        guard
            let match = text.wholeMatch(
                of: /(\d{4})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(\+00)?/),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3)
        else { return nil }
        let seconds = [match.4, match.5, match.6].map { $0.flatMap { Int64($0) } ?? 0 }
        return Moment(
            days: GregorianDays.days(year: year, month: month, day: day),
            seconds: seconds[0] * 3_600 + seconds[1] * 60 + seconds[2],
            fraction: match.7 ?? "", offset: match.8 == nil ? nil : 0)
    }

    /// The local date and time in `zone` of a timestamptz the engine keeps (UTC), with the zone's local time then;
    /// `nil` for infinity.
    static func local(ofTimestamptz text: String, in zone: TimeZoneRules) -> (Moment, TimeZoneRules.LocalTime)? {
        guard let utc = moment(of: text) else { return nil }
        let localTime = zone.localTime(at: utc.epochSeconds)
        return (utc.moved(to: utc.epochSeconds + localTime.offset), localTime)
    }

    /// The text of a `date`, `timestamp` or `timestamptz` the engine keeps as PostgreSQL prints it in `style`, a
    /// timestamptz in `zone`; `nil` when the text is not one the engine keeps.
    static func output(_ text: String, type: PostgresType, zone: TimeZoneRules, style: DateStyle) -> String? {
        if text == "infinity" || text == "-infinity" { return text }
        if style.style == .iso && (type != .timestamptz || zone == .utc) { return text }
        var localTime: TimeZoneRules.LocalTime?
        let moment: Moment
        if type == .timestamptz {
            guard let (local, time) = Self.local(ofTimestamptz: text, in: zone) else { return nil }
            (moment, localTime) = (local, time)
        } else {
            guard let kept = Self.moment(of: text) else { return nil }
            moment = kept
        }
        let isDate = type == .date
        let (year, month, day) = GregorianDays.date(days: moment.days)
        let time = clockText(moment)
        let zoneSuffix = localTime.map { " " + $0.abbreviation } ?? ""
        let (first, second) = style.dayFirst ? (pad(day, 2), pad(month, 2)) : (pad(month, 2), pad(day, 2))
        switch style.style {
        case .iso:
            return isoText(moment, time: !isDate) + (localTime.map { offsetText($0.offset) } ?? "")
        case .sql:
            let date = "\(first)/\(second)/\(pad(year, 4))"
            return isDate ? date : "\(date) \(time)\(zoneSuffix)"
        case .german:
            let date = "\(pad(day, 2)).\(pad(month, 2)).\(pad(year, 4))"
            return isDate ? date : "\(date) \(time)\(zoneSuffix)"
        case .postgres:
            if isDate { return "\(first)-\(second)-\(pad(year, 4))" }
            let weekday = weekdays[(moment.days % 7 + 7 + 4) % 7]
            let monthName = months[month - 1]
            let dayMonth = style.dayFirst ? "\(pad(day, 2)) \(monthName)" : "\(monthName) \(pad(day, 2))"
            return "\(weekday) \(dayMonth) \(time) \(pad(year, 4))\(zoneSuffix)"
        }
    }

    /// The ISO form (a timestamptz with its UTC offset) of `text`, a value as ``output(_:type:zone:style:)`` printed
    /// it in `style` and `zone`, for the binary encoder; `nil` for text in no form printed so. A timestamptz's
    /// abbreviation tells which of a repeated local time it is (`02:30:00 CEST` or `02:30:00 CET`).
    static func iso(fromOutput text: String, type: PostgresType, zone: TimeZoneRules, style: DateStyle) -> String? {
        if style.style == .iso || text == "infinity" || text == "-infinity" { return text }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        var (year, month, day) = (0, 0, 0)
        var clock: Substring?
        var abbreviation: Substring?
        if style.style == .postgres && type != .date {
            // `Fri Feb 09 01:02:03.5 2024 CET` or `Fri 09 Feb …`.
            guard parts.count >= 5 else { return nil }
            let (first, second) = (parts[1], parts[2])
            let (monthName, dayText) = style.dayFirst ? (second, first) : (first, second)
            guard let index = months.firstIndex(of: String(monthName)), let number = Int(dayText),
                let yearNumber = Int(parts[4])
            else { return nil }
            (year, month, day) = (yearNumber, index + 1, number)
            clock = parts[3]
            abbreviation = parts.count > 5 ? parts[5...].joined(separator: " ")[...] : nil
        } else {
            let separator: Character = style.style == .german ? "." : (style.style == .sql ? "/" : "-")
            let fields = parts[0].split(separator: separator).compactMap { Int($0) }
            guard fields.count == 3 else { return nil }
            let dayFirst = style.style == .german || style.dayFirst
            (year, month, day) = (fields[2], dayFirst ? fields[1] : fields[0], dayFirst ? fields[0] : fields[1])
            clock = parts.count > 1 ? parts[1] : nil
            abbreviation = parts.count > 2 ? parts[2...].joined(separator: " ")[...] : nil
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        guard type != .date else { return date }
        guard let clock, case .value(let local) = read("\(date) \(clock)", as: "timestamp"),
            let moment = moment(of: local)
        else { return nil }
        guard type == .timestamptz else { return local }
        // The offset of the local time the abbreviation names, else the one PostgreSQL reads the local time at.
        let seconds = moment.epochSeconds
        var candidates = zone.localTimes
        if let standard = zone.standard { candidates.append(standard) }
        if let daylight = zone.daylight { candidates.append(daylight.time) }
        let offset =
            candidates.first { candidate in
                candidate.abbreviation == abbreviation.map(String.init)
                    && zone.localTime(at: seconds - candidate.offset) == candidate
            }?.offset ?? (seconds - zone.instant(ofLocal: seconds))
        return local + offsetText(offset)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// ISO output: `2024-01-05` or `2024-01-05 01:02:03.5`, with `+00` when the moment is in UTC.
    static func isoText(_ moment: Moment, time: Bool) -> String {
        let (year, month, day) = GregorianDays.date(days: moment.days)
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        guard time else { return date }
        return "\(date) \(clockText(moment))" + (moment.offset == 0 ? "+00" : "")
    }

    /// `01:02:03` or `01:02:03.5`.
    static func clockText(_ moment: Moment) -> String {
        let seconds = Int(moment.seconds)
        return "\(pad(seconds / 3_600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
            + (moment.fraction.isEmpty ? "" : ".\(moment.fraction)")
    }

    /// A UTC offset as PostgreSQL prints it: `+01`, `+05:30`, `-04:56:02`.
    static func offsetText(_ offset: Int64) -> String {
        let magnitude = Int(abs(offset))
        var text = (offset < 0 ? "-" : "+") + pad(magnitude / 3_600, 2)
        if magnitude % 3_600 != 0 { text += ":" + pad(magnitude / 60 % 60, 2) }
        if magnitude % 60 != 0 { text += ":" + pad(magnitude % 60, 2) }
        return text
    }

    /// `value` in decimal, with zeros in front to `width` digits.
    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Whether `year` is a leap year of the Gregorian calendar.
    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days of `month` in `year`.
    static func monthLength(year: Int, month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }
}
