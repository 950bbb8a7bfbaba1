import NIOCore

/// Decodes PostgreSQL's binary format of the common types into what PostgreSQL's text output shows (with
/// `TimeZone` UTC and `IntervalStyle` postgres): bool, int2/int4/int8, oid, float4/float8, numeric, text types,
/// json/jsonb, bytea, uuid, date, time, timetz, timestamp, timestamptz, interval, and one- or more-dimensional
/// arrays of these. A value whose bytes do not fit its type is not decoded (`nil`), so it is shown raw.
enum BinaryValueDecoder {
    /// Microseconds in a day.
    private static let microsecondsPerDay: Int64 = 86_400_000_000
    /// The Julian day of 2000-01-01, PostgreSQL's epoch for dates and timestamps.
    private static let epochJulianDay: Int64 = 2_451_545

    /// `bytes` as a value of type `oid`, or `nil` when the type is not one of the common ones or the bytes do not
    /// fit it.
    static func typedValue(_ bytes: ByteBuffer, oid: UInt32) -> TypedValue? {
        guard let value = decode(bytes.readableBytesView, oid: oid, depth: 0) else { return nil }
        return TypedValue(typeName: PostgresTypeNames.name(forOID: oid), value: value, bytes: bytes)
    }

    /// `bytes` decoded as type `oid`; arrays only at `depth` 0 (their elements are not arrays).
    private static func decode(_ bytes: ByteBufferView, oid: UInt32, depth: Int) -> TypedValue.Value? {
        var reader = BinaryReader(bytes: bytes)
        let value: TypedValue.Value?
        switch oid {
        case 16:
            guard bytes.count == 1, let byte = bytes.first, byte <= 1 else { return nil }
            return .boolean(byte == 1)
        case 21: value = reader.integer(Int16.self).map { .number(String($0)) }
        case 23: value = reader.integer(Int32.self).map { .number(String($0)) }
        case 20: value = reader.integer(Int64.self).map { .number(String($0)) }
        case 26, 28, 29: value = reader.integer(UInt32.self).map { .number(String($0)) }
        case 700: value = reader.integer(UInt32.self).map { float(Double(Float(bitPattern: $0)), isFloat4: true) }
        case 701: value = reader.integer(UInt64.self).map { float(Double(bitPattern: $0), isFloat4: false) }
        case 1700: return numeric(&reader)
        case 25, 1043, 19, 1042, 705, 114, 142, 18:
            return .text(WireText.decode(bytes))
        case 3802:
            // jsonb: a version byte (1), then the JSON text.
            guard bytes.first == 1 else { return nil }
            return .text(WireText.decode(bytes.dropFirst()))
        case 17:
            return .text("\\x" + HexDump.hex(bytes))
        case 2950:
            guard bytes.count == 16 else { return nil }
            let hex = Array(HexDump.hex(bytes).utf8)
            let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(decoding: hex[$0], as: UTF8.self) }
            return .text(groups.joined(separator: "-"))
        case 1082: value = reader.integer(Int32.self).map { .text(date($0)) }
        case 1083: value = reader.integer(Int64.self).flatMap { time($0) }.map { .text($0) }
        case 1266:
            guard let microseconds = reader.integer(Int64.self), let zone = reader.integer(Int32.self),
                let time = time(microseconds)
            else { return nil }
            value = .text(time + timeZone(offsetSeconds: -Int(zone)))
        case 1114: value = reader.integer(Int64.self).map { .text(timestamp($0, zone: "")) }
        case 1184: value = reader.integer(Int64.self).map { .text(timestamp($0, zone: "+00")) }
        case 1186:
            guard let microseconds = reader.integer(Int64.self), let days = reader.integer(Int32.self),
                let months = reader.integer(Int32.self)
            else { return nil }
            value = .text(interval(microseconds: microseconds, days: days, months: months))
        default:
            guard depth == 0, PostgresTypeNames.name(forOID: oid).hasPrefix("_") else { return nil }
            return array(&reader)
        }
        return reader.isAtEnd ? value : nil
    }

    /// An array: dimensions, a has-nulls flag, the element type, each dimension's size and lower bound, then the
    /// elements, each with its length (-1 for NULL).
    private static func array(_ reader: inout BinaryReader) -> TypedValue.Value? {
        guard let dimensionCount = reader.integer(Int32.self), (0...6).contains(dimensionCount),
            reader.integer(Int32.self) != nil, let elementOID = reader.integer(UInt32.self),
            !PostgresTypeNames.name(forOID: elementOID).hasPrefix("_")
        else { return nil }
        var sizes: [Int] = []
        for _ in 0..<dimensionCount {
            guard let size = reader.integer(Int32.self), size >= 0, reader.integer(Int32.self) != nil else {
                return nil
            }
            sizes.append(Int(size))
        }
        // Each element takes at least its 4-byte length: more than the bytes can hold is malformed.
        var elementCount = sizes.isEmpty ? 0 : 1
        for size in sizes {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow, product <= reader.remaining / 4 else { return nil }
            elementCount = product
        }
        var elements: [TypedValue.Value?] = []
        for _ in 0..<elementCount {
            guard let length = reader.integer(Int32.self) else { return nil }
            if length == -1 {
                elements.append(nil)
                continue
            }
            guard let bytes = reader.bytes(Int(length)),
                let element = decode(bytes, oid: elementOID, depth: 1)
            else { return nil }
            elements.append(element)
        }
        guard reader.isAtEnd else { return nil }
        // Nest from the last dimension outwards.
        for size in sizes.dropFirst().reversed() where size > 0 {
            elements = stride(from: 0, to: elements.count, by: size).map {
                .array(Array(elements[$0..<($0 + size)]))
            }
        }
        return .array(elements)
    }

    /// numeric: digit count, weight (of the first base-10000 digit), sign, display scale, then the digits.
    private static func numeric(_ reader: inout BinaryReader) -> TypedValue.Value? {
        guard let count = reader.integer(Int16.self), count >= 0, let weight = reader.integer(Int16.self),
            let sign = reader.integer(UInt16.self), let scale = reader.integer(Int16.self), scale >= 0
        else { return nil }
        var digits: [Int] = []
        for _ in 0..<count {
            guard let digit = reader.integer(Int16.self), (0..<10_000).contains(digit) else { return nil }
            digits.append(Int(digit))
        }
        guard reader.isAtEnd else { return nil }
        switch sign {
        case 0xC000: return .text("NaN")
        case 0xD000: return .text("Infinity")
        case 0xF000: return .text("-Infinity")
        case 0x0000, 0x4000: break
        default: return nil
        }
        func digit(_ index: Int) -> Int { index >= 0 && index < digits.count ? digits[index] : 0 }
        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            text += String(digit(0))
            for index in stride(from: 1, through: Int(weight), by: 1) { text += padded(digit(index), 4) }
        }
        if scale > 0 {
            var fraction = ""
            var index = Int(weight) + 1
            while fraction.utf8.count < Int(scale) {
                fraction += padded(digit(index), 4)
                index += 1
            }
            text += "." + fraction.prefix(Int(scale))
        }
        return .number(text)
    }

    /// A float as PostgreSQL writes it: the shortest digits that read back the same, in positional notation for
    /// decimal exponents from -4 up to (not including) 6 for float4 or 15 for float8, else as `1.5e+20`.
    static func float(_ value: Double, isFloat4: Bool) -> TypedValue.Value {
        let text = FloatText.text(value, isFloat4: isFloat4)
        return value.isFinite ? .number(text) : .text(text)
    }

    /// A date (days since 2000-01-01) as `2024-02-29`, `0044-03-15 BC` or `infinity`.
    private static func date(_ days: Int32) -> String {
        if days == .max { return "infinity" }
        if days == .min { return "-infinity" }
        let (year, month, day) = civilDate(julianDay: Int64(days) + epochJulianDay)
        return yearMonthDay(year, month, day) + (year <= 0 ? " BC" : "")
    }

    /// A timestamp (microseconds since 2000-01-01 00:00:00) as `2024-02-29 12:34:56.5`, followed by `zone`.
    private static func timestamp(_ microseconds: Int64, zone: String) -> String {
        if microseconds == .max { return "infinity" }
        if microseconds == .min { return "-infinity" }
        var day = microseconds / microsecondsPerDay
        var time = microseconds - day * microsecondsPerDay
        if time < 0 {
            time += microsecondsPerDay
            day -= 1
        }
        let (year, month, dayOfMonth) = civilDate(julianDay: day + epochJulianDay)
        return yearMonthDay(year, month, dayOfMonth) + " " + clock(time) + zone + (year <= 0 ? " BC" : "")
    }

    /// A time of day (microseconds since midnight, at most 24:00:00).
    private static func time(_ microseconds: Int64) -> String? {
        (0...microsecondsPerDay).contains(microseconds) ? clock(microseconds) : nil
    }

    /// `HH:MM:SS` and, when not whole, the fraction of the second without trailing zeros.
    private static func clock(_ microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        let hours = seconds / 3600
        return padded(Int(hours), 2) + ":" + padded(Int(seconds / 60 % 60), 2) + ":" + padded(Int(seconds % 60), 2)
            + fraction(Int(microseconds % 1_000_000))
    }

    /// `.5` for 500,000 microseconds; empty for none.
    private static func fraction(_ microseconds: Int) -> String {
        guard microseconds != 0 else { return "" }
        var digits = padded(microseconds, 6)
        while digits.hasSuffix("0") { digits.removeLast() }
        return "." + digits
    }

    /// A UTC offset as PostgreSQL writes it: `+02`, `-05:30`, `+05:30:15`.
    private static func timeZone(offsetSeconds: Int) -> String {
        let magnitude = abs(offsetSeconds)
        var text = (offsetSeconds < 0 ? "-" : "+") + padded(magnitude / 3600, 2)
        if magnitude % 3600 != 0 { text += ":" + padded(magnitude / 60 % 60, 2) }
        if magnitude % 60 != 0 { text += ":" + padded(magnitude % 60, 2) }
        return text
    }

    /// An interval as IntervalStyle postgres writes it: `1 year 2 mons 3 days 04:05:06.5`, `-1 days +02:00:00`.
    private static func interval(microseconds: Int64, days: Int32, months: Int32) -> String {
        var parts: [String] = []
        var previousNegative = false
        for (value, unit) in [(Int64(months / 12), "year"), (Int64(months % 12), "mon"), (Int64(days), "day")]
        where value != 0 {
            parts.append((previousNegative && value > 0 ? "+" : "") + "\(value) \(unit)" + (value != 1 ? "s" : ""))
            previousNegative = value < 0
        }
        if parts.isEmpty || microseconds != 0 {
            let sign = microseconds < 0 ? "-" : (previousNegative ? "+" : "")
            let magnitude = microseconds.magnitude
            let seconds = magnitude / 1_000_000
            parts.append(
                sign + padded(Int(seconds / 3600), 2) + ":" + padded(Int(seconds / 60 % 60), 2) + ":"
                    + padded(Int(seconds % 60), 2) + fraction(Int(magnitude % 1_000_000)))
        }
        return parts.joined(separator: " ")
    }

    /// The Gregorian date of a Julian day (PostgreSQL's `j2date`); years before 1 are 0, -1, … (1 BC, 2 BC, …).
    private static func civilDate(julianDay: Int64) -> (year: Int64, month: Int, day: Int) {
        var julian = julianDay + 32044
        var quad = julian / 146_097
        let extra = (julian - quad * 146_097) * 4 + 3
        julian += 60 + quad * 3 + extra / 146_097
        quad = julian / 1461
        julian -= quad * 1461
        var year = julian * 4 / 1461
        julian = (year != 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123
        year += quad * 4
        quad = julian * 2141 / 65536
        return (year - 4800, Int((quad + 10) % 12 + 1), Int(julian - 7834 * quad / 256))
    }

    /// `YYYY-MM-DD`, the year as PostgreSQL shows it (a year before 1 as its BC number).
    private static func yearMonthDay(_ year: Int64, _ month: Int, _ day: Int) -> String {
        padded(Int(year > 0 ? year : 1 - year), 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// `value` in decimal with leading zeros to `width` digits.
    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
