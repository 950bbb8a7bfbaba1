import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ConstantEvaluator {
    /// The text PostgreSQL prints for `value` with the session's ``output`` settings: a float with
    /// `extra_float_digits` 0 or below as `%.{15 or 6 + n}g`, bytea in the escape format, a date or timestamp in the
    /// session's DateStyle, a timestamptz in its TimeZone too (`.unsupported` for a style or zone that
    /// is not one); an array's elements so.
    func outputText(of value: EvaluatedValue) throws(Failure) -> String? {
        guard let text = value.text else { return nil }
        switch value.type {
        case .float4, .float8:
            guard let extra = output.floatDigits else { return text }
            let isFloat4 = value.type == .float4
            guard let number = Self.floatValue(text, isFloat4: isFloat4) else { throw .unsupported }
            if !number.isFinite { return text }
            var buffer = [CChar](repeating: 0, count: 64)
            let digits = Int32(max(1, (isFloat4 ? 6 : 15) + extra))
            _ = withVaList([digits, number]) { vsnprintf(&buffer, buffer.count, "%.*g", $0) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        case .bytea where output.byteaEscape:
            do throws(ByteaText.InvalidInput) {
                return ByteaText.escapeOutput(of: try ByteaText.bytes(of: text))
            } catch {
                throw .unsupported
            }
        case .date, .timestamp, .timestamptz:
            guard let style = output.dateStyle, let zone = try? zone(),
                let printed = DateTimeText.output(text, type: value.type, zone: zone, style: style)
            else { throw .unsupported }
            return printed
        case _ where output != .standard:
            // An array's elements as their type prints them.
            guard let elementType = Self.elementType(of: value.type) else { return text }
            guard let elements = ArrayLiteral.elements(of: text) else { throw .unsupported }
            var values: [TypedValue.Value?] = []
            for element in elements {
                let printed = try outputText(of: EvaluatedValue(text: element, type: elementType))
                values.append(printed.map(TypedValue.Value.text))
            }
            return TypedValue.Value.array(values).postgresText
        default:
            return text
        }
    }

    /// The session's time zone; `.unsupported` when `TimeZone` names none this reads.
    func zone() throws(Failure) -> TimeZoneRules {
        guard let zone = TimeZoneRules.named(output.timeZone) else { throw .unsupported }
        return zone
    }
}
