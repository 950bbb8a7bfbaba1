import NIOCore

/// Encodes values from PostgreSQL's text form into its binary form, as PostgreSQL's send functions write them, for
/// the common types a client may ask for in binary: bool, int2/4/8, oid, float4/8, numeric, text types, bytea, uuid,
/// date, time, timetz, timestamp(tz), interval, inet, cidr, json, jsonb, and one-dimensional arrays of these.
package enum BinaryValueEncoder {
    /// The types other than arrays this encoder handles.
    private static let scalarTypes: Set<UInt32> = [
        16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 650, 700, 701, 705, 869, 1042, 1043, 1082, 1083, 1114, 1184, 1186,
        1266, 1700, 2278, 2950, 3802,
    ]

    /// Whether values of type `oid` can be encoded: one of the scalar types, or an array of one.
    package static func supports(_ oid: UInt32) -> Bool {
        scalarTypes.contains(oid) || elementType(of: oid) != nil
    }

    /// Whether the binary form of type `oid` is the bytes of its text (text, varchar, bpchar, name, json, unknown).
    package static func sendsText(_ oid: UInt32) -> Bool {
        [19, 25, 114, 705, 1042, 1043].contains(oid)
    }

    /// The element type of `oid` when it is an array of a scalar type this encoder handles (`_int4` → int4).
    private static func elementType(of oid: UInt32) -> UInt32? {
        guard let name = PostgresTypeNames.knownName(forOID: oid), name.hasPrefix("_"),
            let element = PostgresTypeNames.oid(forName: String(name.dropFirst())), scalarTypes.contains(element)
        else { return nil }
        return element
    }

    /// The binary form of `text` as a value of type `oid`, or `nil` when the type is not handled or the text is not
    /// a value of it in a form this encoder reads (PostgreSQL's output form).
    package static func encode(_ text: String, type oid: UInt32) -> ByteBuffer? {
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
        case 18: return char(text)
        case 17: return bytea(text)
        case 2950: return uuid(text)
        case 1082:
            // Infinity is the largest value, -infinity the smallest (DATEVAL_NOEND, DATEVAL_NOBEGIN).
            if text == "infinity" || text == "-infinity" {
                buffer.writeInteger(text == "infinity" ? Int32.max : Int32.min)
                return buffer
            }
            guard let (days, _) = dateTime(text), let value = Int32(exactly: days) else { return nil }
            buffer.writeInteger(value)
        case 1114, 1184:
            // DT_NOEND and DT_NOBEGIN.
            if text == "infinity" || text == "-infinity" {
                buffer.writeInteger(text == "infinity" ? Int64.max : Int64.min)
                return buffer
            }
            guard let (days, microseconds) = dateTime(text) else { return nil }
            buffer.writeInteger(Int64(days) * 86_400_000_000 + microseconds)
        case 1083: return time(text)
        case 1266: return timeWithTimeZone(text)
        case 1186: return interval(text)
        case 869, 650: return network(text, isCIDR: oid == 650)
        case 3802:
            buffer.writeInteger(UInt8(1))
            buffer.writeWireText(text)
        case 2278:
            break
        case _ where scalarTypes.contains(oid):
            // Text in the client's encoding (bytes that are not UTF-8 as themselves).
            buffer.writeWireText(text)
        default:
            guard let element = elementType(of: oid) else { return nil }
            return array(text, elementType: element)
        }
        return buffer
    }

    /// A one-dimensional array (`array_send`): the dimension count (0 when empty), whether there are NULLs, the
    /// element type, the length and lower bound (1) of the dimension, then each element's length (-1 for NULL)
    /// and binary form.
    private static func array(_ text: String, elementType: UInt32) -> ByteBuffer? {
        guard let elements = ArrayLiteral.elements(of: text) else { return nil }
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(elements.isEmpty ? 0 : 1))
        buffer.writeInteger(Int32(elements.contains(nil) ? 1 : 0))
        buffer.writeInteger(elementType)
        guard !elements.isEmpty else { return buffer }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(Int32(1))
        for element in elements {
            guard let element else {
                buffer.writeInteger(Int32(-1))
                continue
            }
            guard var encoded = encode(element, type: elementType) else { return nil }
            buffer.writeInteger(Int32(encoded.readableBytes))
            buffer.writeBuffer(&encoded)
        }
        return buffer
    }

    /// `"char"` (`charsend`): its one byte, which `charout` writes as itself, as `\ooo` in octal when it is not
    /// ASCII, or as nothing when it is 0.
    private static func char(_ text: String) -> ByteBuffer? {
        let bytes = Array(text.utf8)
        switch bytes.count {
        case 0: return ByteBuffer(bytes: [0])
        case 1 where bytes[0] < 0x80: return ByteBuffer(bytes: bytes)
        case 4 where bytes[0] == UInt8(ascii: "\\"):
            guard let value = UInt8(String(text.dropFirst()), radix: 8), value >= 0x80 else { return nil }
            return ByteBuffer(bytes: [value])
        default: return nil
        }
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
