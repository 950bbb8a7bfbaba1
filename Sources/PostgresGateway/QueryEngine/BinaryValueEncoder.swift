import NIOCore

/// Encodes values from PostgreSQL's text form into its binary form, for the common types a client may ask for in
/// binary (bool, int2/4/8, oid, float4/8, numeric, text types, bytea, uuid, date, timestamp(tz), json, jsonb).
enum BinaryValueEncoder {
    /// The type OIDs this encoder handles; a column of another type is sent in text format even when the client
    /// asks for binary (RowDescription says so).
    static let supportedTypes: Set<UInt32> = [
        16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 705, 1042, 1043, 1082, 1114, 1184, 1700, 2278, 2950, 3802,
    ]

    /// The binary form of `text` as a value of type `oid`, or `nil` when the text is not a valid value (then the
    /// column falls back to text).
    static func encode(_ text: String, type oid: UInt32) -> ByteBuffer? {
        var buffer = ByteBuffer()
        switch oid {
        case 16:
            guard text == "t" || text == "f" else { return nil }
            buffer.writeInteger(UInt8(text == "t" ? 1 : 0))
        case 21:
            guard let value = Int16(text) else { return nil }
            buffer.writeInteger(value)
        case 23:
            guard let value = Int32(text) else { return nil }
            buffer.writeInteger(value)
        case 20:
            guard let value = Int64(text) else { return nil }
            buffer.writeInteger(value)
        case 26:
            guard let value = UInt32(text) else { return nil }
            buffer.writeInteger(value)
        case 700:
            guard let value = Float(text) else { return nil }
            buffer.writeInteger(value.bitPattern)
        case 701:
            guard let value = Double(text) else { return nil }
            buffer.writeInteger(value.bitPattern)
        case 1700: return numeric(text)
        case 17: return bytea(text)
        case 2950: return uuid(text)
        case 1082:
            guard let (days, _) = dateTime(text) else { return nil }
            buffer.writeInteger(Int32(days))
        case 1114, 1184:
            guard let (days, microseconds) = dateTime(text) else { return nil }
            buffer.writeInteger(Int64(days) * 86_400_000_000 + microseconds)
        case 3802:
            buffer.writeInteger(UInt8(1))
            buffer.writeString(text)
        case 2278:
            break
        default:
            buffer.writeString(text)
        }
        return buffer
    }

    /// `\x0a0b` (hex output) or `a\\\012` (escape output, as with `bytea_output = escape`) → bytes.
    private static func bytea(_ text: String) -> ByteBuffer? {
        (try? ByteaText.bytes(of: text)).map { ByteBuffer(bytes: $0) }
    }

    private static func uuid(_ text: String) -> ByteBuffer? {
        guard let bytes = hexBytes(text.filter { $0 != "-" }), bytes.count == 16 else { return nil }
        return ByteBuffer(bytes: bytes)
    }

    private static func hexBytes(_ hex: some StringProtocol) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `2026-12-01[ 04:14:32[.123456][+00]]` → days and microseconds since 2000-01-01 (UTC for a time zone offset).
    static func dateTime(_ text: String) -> (days: Int, microseconds: Int64)? {
        let parts = text.split(separator: " ", maxSplits: 1)
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        guard date.count == 3 else { return nil }
        var microseconds: Int64 = 0
        if parts.count == 2 {
            var time = Substring(parts[1])
            var offsetSeconds: Int64 = 0
            if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                let offset = time[time.index(after: sign)...].split(separator: ":").compactMap { Int64($0) }
                offsetSeconds = (offset.first ?? 0) * 3_600 + (offset.dropFirst().first ?? 0) * 60
                if time[sign] == "-" { offsetSeconds = -offsetSeconds }
                time = time[..<sign]
            }
            let clock = time.split(separator: ":")
            guard clock.count == 3, let hours = Int64(clock[0]), let minutes = Int64(clock[1]),
                let seconds = Double(clock[2])
            else { return nil }
            microseconds =
                (hours * 3_600 + minutes * 60 - offsetSeconds) * 1_000_000 + Int64((seconds * 1_000_000).rounded())
        }
        return (daysSince2000(year: date[0], month: date[1], day: date[2]), microseconds)
    }

    /// Days from 2000-01-01 to a proleptic Gregorian date.
    private static func daysSince2000(year: Int, month: Int, day: Int) -> Int {
        // Days from civil (Howard Hinnant's algorithm), relative to 1970-01-01, then moved to 2000-01-01.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 - 10_957
    }

    /// A numeric's binary form: base-10000 digits, weight, sign and display scale.
    private static func numeric(_ text: String) -> ByteBuffer? {
        var body = Substring(text)
        var sign: UInt16 = 0
        if body.first == "-" {
            sign = 0x4000
            body = body.dropFirst()
        }
        if body == "NaN" {
            var buffer = ByteBuffer()
            for value: UInt16 in [0, 0, 0xC000, 0] { buffer.writeInteger(value) }
            return buffer
        }
        let halves = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = halves[0]
        let fraction = halves.count == 2 ? halves[1] : ""
        guard (integer + fraction).allSatisfy(\.isASCII), (integer + fraction).allSatisfy(\.isNumber),
            !(integer + fraction).isEmpty
        else { return nil }
        // Pad the integer part on the left and the fraction on the right to whole groups of four digits.
        let integerDigits = String(repeating: "0", count: (4 - integer.count % 4) % 4) + integer
        let fractionDigits = fraction + String(repeating: "0", count: (4 - fraction.count % 4) % 4)
        var groups = stride(from: 0, to: integerDigits.count, by: 4).map {
            Int16(integerDigits.dropFirst($0).prefix(4))!
        }
        var weight = Int16(groups.count - 1)
        groups += stride(from: 0, to: fractionDigits.count, by: 4).map {
            Int16(fractionDigits.dropFirst($0).prefix(4))!
        }
        while groups.first == 0 {
            groups.removeFirst()
            weight -= 1
        }
        while groups.last == 0 { groups.removeLast() }
        if groups.isEmpty { weight = 0 }
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(groups.count))
        buffer.writeInteger(weight)
        buffer.writeInteger(groups.isEmpty ? 0 : sign)
        buffer.writeInteger(Int16(fraction.count))
        for group in groups { buffer.writeInteger(group) }
        return buffer
    }
}
