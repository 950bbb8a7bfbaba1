/// PostgreSQL's input of a date or timestamp in ISO form (`2024-01-05`, `2024-1-5 1:02`, `2024-01-05T01:02:03.5`,
/// with a UTC zone `+00`, `+00:00` or `Z`) and its output with the default `DateStyle` of ISO; a timestamptz in
/// the time zone UTC. Field values out of range are PostgreSQL's 22008; other forms (`today`, `Jan 5 2024`, other
/// zones, `24:00:00`, more than 6 digits of seconds) are not read.
enum DateTimeText {
    /// What input gives: PostgreSQL's output, or its error (message and hint).
    enum Reading {
        case value(String)
        case outOfRange(hint: String?)
        case unread
    }

    /// The output of `text` (already trimmed) read as a `date`, `timestamp` or `timestamptz` (`type`).
    static func read(_ text: String, as type: String) -> Reading {
        guard
            let match = text.wholeMatch(
                of:
                    /(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[ T]| +)(\d{1,2}):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)? *(\+00(?::00)?|Z)?/
            ),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3), year > 0
        else {
            return .unread
        }
        guard (1...12).contains(month), (1...31).contains(day) else {
            return .outOfRange(hint: "Perhaps you need a different \"datestyle\" setting.")
        }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let hour = match.4.flatMap { Int($0) } ?? 0
        let minute = match.5.flatMap { Int($0) } ?? 0
        let second = match.6.flatMap { Int($0) } ?? 0
        guard day <= monthDays[month - 1], hour <= 24, minute < 60, second <= 60 else {
            return .outOfRange(hint: nil)
        }
        // 24:00:00 and a leap second roll over to the next minute or day, which this does not compute.
        guard hour < 24, second < 60 else { return .unread }
        func padded(_ value: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
        }
        let date = "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
        var fraction = Substring(match.7 ?? "")
        while fraction.last == "0" { fraction = fraction.dropLast() }
        let time =
            "\(padded(hour, 2)):\(padded(minute, 2)):\(padded(second, 2))" + (fraction.isEmpty ? "" : ".\(fraction)")
        switch type {
        case "date": return .value(date)
        case "timestamp": return .value("\(date) \(time)")
        default: return .value("\(date) \(time)+00")
        }
    }
}
