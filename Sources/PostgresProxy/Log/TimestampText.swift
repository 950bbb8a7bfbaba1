/// Formats log timestamps, reusing the text of the current second: a busy connection logs many lines a second, and
/// the calendar arithmetic is then done once.
struct TimestampText {
    private var second = Int.min
    private var text = (date: "", clock: "")

    /// `HH:MM:SS.ffffff` in UTC.
    mutating func clock(_ time: LogTimestamp) -> String {
        refresh(time)
        return text.clock + "." + time.microsecondText
    }

    /// RFC 3339 in UTC with microseconds.
    mutating func rfc3339(_ time: LogTimestamp) -> String {
        refresh(time)
        return text.date + "T" + text.clock + "." + time.microsecondText + "Z"
    }

    private mutating func refresh(_ time: LogTimestamp) {
        guard time.seconds != second else { return }
        second = time.seconds
        text = LogTimestamp.text(ofSecond: time.seconds)
    }
}
