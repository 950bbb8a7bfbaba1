/// Formats log timestamps, reusing the text of the current second: a busy connection logs many lines a second, and
/// the calendar arithmetic is then done once.
struct TimestampText {
    private var second = Int.min
    private var text = (date: "", clock: "")
    /// `"YYYY-MM-DDTHH:MM:SS.` of the current second, made when first asked for.
    private var quotedSecond: [UInt8] = []

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

    /// RFC 3339 in UTC with microseconds as a JSON string (`"2026-12-01T04:30:00.123456Z"`), appended to `bytes`
    /// without making a string.
    mutating func appendQuotedRFC3339(_ time: LogTimestamp, to bytes: inout [UInt8]) {
        refresh(time)
        if quotedSecond.isEmpty { quotedSecond = Array("\"\(text.date)T\(text.clock).".utf8) }
        bytes.append(contentsOf: quotedSecond)
        var divisor = 100_000
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(time.microseconds / divisor % 10))
            divisor /= 10
        }
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func refresh(_ time: LogTimestamp) {
        guard time.seconds != second else { return }
        second = time.seconds
        text = LogTimestamp.text(ofSecond: time.seconds)
        quotedSecond = []
    }
}
