import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ConstantEvaluator {
    /// The types whose values are text and are cast to one another by keeping it.
    static let textTypes: Set<String> = ["text", "varchar", "bpchar", "name"]
    /// The numeric types, narrowest first.
    static let numericTypes: [PostgresType] = [.int2, .int4, .int8, .numeric, .float4, .float8]

    /// `value::type(modifiers)` as PostgreSQL's explicit cast computes it from `value`'s type: a text-like value
    /// through the type's input function, numbers by rounding (numeric half away from zero, floats to even), a uuid lowercased,
    /// `bool` to and from `int4` only, `varchar(n)` and `char(n)` truncated (`char(n)` padded), `numeric(p,s)`
    /// rounded to `s` digits, with the type modifier PostgreSQL gives the result. Types and modifiers it does not
    /// compute exactly are `.unsupported`.
    func cast(_ value: EvaluatedValue, to type: PostgresType, modifiers: [Int] = []) throws(Failure) -> EvaluatedValue {
        try Self.checkModifiers(modifiers, of: type)
        let typeModifier = TypeDeclaration.typeModifier(of: type, modifiers) ?? -1
        guard let text = value.text else { return EvaluatedValue(text: nil, type: type, typeModifier: typeModifier) }
        let source = value.type
        let isTextSource = Self.textTypes.contains(source.name)
        let result: String
        switch type.name {
        case "int2", "int4", "int8":
            result = try integerCast(text, from: source, isTextSource: isTextSource, to: type)
        case "numeric":
            result = try numericCast(text, from: source, isTextSource: isTextSource, modifiers: modifiers)
        case "float4", "float8":
            result = try floatCast(text, from: source, isTextSource: isTextSource, to: type)
        case "bool":
            result = try boolCast(text, from: source, isTextSource: isTextSource)
        case "bytea" where source == .bytea:
            result = text
        case "bytea" where isTextSource:
            do throws(ByteaText.InvalidInput) {
                result = try ByteaText.hexOutput(of: text)
            } catch {
                throw .error(self.error(error.code, error.message))
            }
        case "uuid":
            // The standard form or 32 digits, in braces or not, lowercased; PostgreSQL's other forms are not read.
            let trimmed = text.lowercased()
            guard isTextSource || source.name == "uuid",
                let match = trimmed.wholeMatch(
                    of: /\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?/),
                trimmed.hasPrefix("{") == trimmed.hasSuffix("}"),
                trimmed.contains("-") == (trimmed.count(where: { $0 == "-" }) == 4)
            else {
                throw .unsupported
            }
            result = [match.1, match.2, match.3, match.4, match.5].joined(separator: "-")
        case "date", "timestamp", "timestamptz":
            guard isTextSource || [.date, .timestamp, .timestamptz].contains(source) else { throw .unsupported }
            var input = isTextSource ? text.trimmingWhitespace() : text
            // A timestamptz is the local date and time in the session's zone (infinity stays infinity).
            if source == .timestamptz && type != .timestamptz,
                let (local, _) = DateTimeText.local(ofTimestamptz: text, in: try zone())
            {
                input = DateTimeText.isoText(local, time: true)
            }
            switch DateTimeText.read(input, as: type.name, in: type == .timestamptz ? try zone() : .utc) {
            case .value(let output): result = output
            case .outOfRange(let hint):
                throw .error(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "22008",
                        message: "date/time field value out of range: \"\(text)\"", hint: hint))
            case .unread: throw .unsupported
            }
        case "text", "varchar", "bpchar", "name":
            guard !source.name.hasPrefix("_") && source != .bytea else { throw .unsupported }
            result = try textCast(outputText(of: value) ?? text, from: source, to: type, length: modifiers.first)
        case _ where type.name.hasPrefix("_"):
            result = try arrayCast(text, from: source, isTextSource: isTextSource, to: type)
        default:
            throw .unsupported
        }
        return EvaluatedValue(text: result, type: type, typeModifier: typeModifier)
    }

    /// `text` as an array of `type`'s elements: a text-like value read as `array_in` reads it (each element
    /// through the element type's input function: `'{1, 2}'::int4[]`), an array's elements cast one by one
    /// (`int4[]` to `text[]`); one-dimensional arrays of types the engine casts only.
    private func arrayCast(_ text: String, from source: PostgresType, isTextSource: Bool, to type: PostgresType)
        throws(Failure) -> String
    {
        let sourceElementType = isTextSource ? PostgresType.text : Self.elementType(of: source)
        guard let elementType = Self.elementType(of: type), let sourceElementType,
            let elements = ArrayLiteral.elements(of: text)
        else {
            throw .unsupported
        }
        var values: [TypedValue.Value?] = []
        for element in elements {
            let value = try element.map { element throws(Failure) in
                try cast(EvaluatedValue(text: element, type: sourceElementType), to: elementType).text
            }
            values.append(value.flatMap { $0.map(TypedValue.Value.text) })
        }
        return TypedValue.Value.array(values).postgresText
    }

    /// The element type of an array type (`_int4`: `int4`), `nil` for other types.
    static func elementType(of type: PostgresType) -> PostgresType? {
        guard type.name.hasPrefix("_") else { return nil }
        return PostgresType.named(String(type.name.dropFirst()))
    }

    /// Throws `.unsupported` for modifiers other than a length of `varchar(n)` and `char(n)` and a precision and
    /// scale of `numeric(p[,s])` with `0 ≤ s ≤ p`.
    private static func checkModifiers(_ modifiers: [Int], of type: PostgresType) throws(Failure) {
        switch (type.name, modifiers.count) {
        case (_, 0): return
        case ("varchar", 1), ("bpchar", 1): if (1...10_485_760).contains(modifiers[0]) { return }
        case ("numeric", 1), ("numeric", 2):
            if (1...1000).contains(modifiers[0]) && (0...modifiers[0]).contains(modifiers.last ?? 0) { return }
        default: break
        }
        throw .unsupported
    }

    /// 42846 for a cast PostgreSQL does not have.
    private func cannotCast(_ source: PostgresType, _ type: PostgresType) -> Failure {
        .error(error("42846", "cannot cast type \(Self.sqlName(source)) to \(Self.sqlName(type))"))
    }

    private func integerCast(_ text: String, from source: PostgresType, isTextSource: Bool, to type: PostgresType)
        throws(Failure) -> String
    {
        let outOfRange = Failure.error(error("22003", "\(Self.sqlName(type)) out of range"))
        let integer: Int64
        switch source {
        case _ where isTextSource:
            let trimmed = text.trimmingWhitespace()
            guard Self.isDecimal(trimmed, fraction: false) else {
                throw .error(error("22P02", "invalid input syntax for type \(Self.sqlName(type)): \"\(text)\""))
            }
            guard let value = Int64(trimmed), Self.fits(value, in: type) else {
                throw .error(error("22003", "value \"\(text)\" is out of range for type \(Self.sqlName(type))"))
            }
            integer = value
        case .int2, .int4, .int8:
            guard let value = Int64(text) else { throw .unsupported }
            integer = value
        case .numeric:
            guard let rounded = NumericValue(text)?.rounded(toScale: 0) else { throw .unsupported }
            guard let value = Int64(exactly: rounded.units) else { throw outOfRange }
            integer = value
        case .float4, .float8:
            guard let number = Self.floatValue(text, isFloat4: source == .float4) else { throw .unsupported }
            let rounded = number.rounded(.toNearestOrEven)
            // Beyond ±2^63 a double is not an Int64; 2^63 itself is out of range too.
            guard rounded.isFinite, rounded >= -0x1p63, rounded < 0x1p63 else { throw outOfRange }
            integer = Int64(rounded)
        case .bool where type == .int4:
            integer = text == "t" ? 1 : 0
        case .bool:
            throw cannotCast(source, type)
        default:
            throw .unsupported
        }
        guard Self.fits(integer, in: type) else { throw outOfRange }
        return String(integer)
    }

    /// Whether `value` is in the range of the integer type `type`.
    static func fits(_ value: Int64, in type: PostgresType) -> Bool {
        switch type {
        case .int2: Int16(exactly: value) != nil
        case .int4: Int32(exactly: value) != nil
        default: true
        }
    }

    private func numericCast(_ text: String, from source: PostgresType, isTextSource: Bool, modifiers: [Int])
        throws(Failure) -> String
    {
        var digits = text
        switch source {
        case _ where isTextSource:
            let trimmed = text.trimmingWhitespace()
            let isNumeric = Self.isDecimal(trimmed, fraction: true)
            let isSpecial = ["nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf"].contains(
                trimmed.lowercased())
            guard isNumeric || isSpecial else {
                throw .error(error("22P02", "invalid input syntax for type numeric: \"\(text)\""))
            }
        case .int2, .int4, .int8, .numeric:
            break
        case .float4, .float8:
            // PostgreSQL converts through `%.15g` (`%.6g` for float4), as C's printf writes it.
            guard let number = Self.floatValue(text, isFloat4: source == .float4), number.isFinite else {
                throw .unsupported
            }
            var buffer = [CChar](repeating: 0, count: 64)
            _ = withVaList([number]) { vsnprintf(&buffer, buffer.count, source == .float4 ? "%.6g" : "%.15g", $0) }
            digits = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        case .bool:
            throw cannotCast(source, .numeric)
        default:
            throw .unsupported
        }
        guard var value = NumericValue(digits) else { throw .unsupported }
        if let precision = modifiers.first {
            let scale = modifiers.count == 2 ? modifiers[1] : 0
            guard let rounded = value.rounded(toScale: scale) else { throw .unsupported }
            guard rounded.hasFewerUnitDigits(than: precision) else {
                let limit = precision == scale ? "1" : "10^\(precision - scale)"
                throw .error(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "22003", message: "numeric field overflow",
                        detail: "A field with precision \(precision), scale \(scale) must round to an absolute value "
                            + "less than \(limit)."))
            }
            value = rounded
        }
        return value.text
    }

    private func floatCast(_ text: String, from source: PostgresType, isTextSource: Bool, to type: PostgresType)
        throws(Failure) -> String
    {
        let isFloat4 = type == .float4
        switch source {
        case _ where isTextSource, .int2, .int4, .int8, .numeric:
            let trimmed = text.trimmingWhitespace()
            guard let number = Self.floatValue(trimmed, isFloat4: isFloat4) else {
                throw .error(error("22P02", "invalid input syntax for type \(Self.sqlName(type)): \"\(text)\""))
            }
            // Like strtod, an overflow to infinity or an underflow to zero is out of range.
            let underflows =
                number == 0 && trimmed.prefix { $0 != "e" && $0 != "E" }.contains { ("1"..."9").contains($0) }
            guard (!number.isInfinite || Self.namesInfinity(trimmed)) && !underflows else {
                throw .error(error("22003", "\"\(trimmed)\" is out of range for type \(Self.sqlName(type))"))
            }
            return FloatText.text(number, isFloat4: isFloat4)
        case .float4, .float8:
            guard let number = Self.floatValue(text, isFloat4: source == .float4) else { throw .unsupported }
            guard isFloat4 && source == .float8 else { return FloatText.text(number, isFloat4: isFloat4) }
            let narrowed = Double(Float(number))
            guard !narrowed.isInfinite || number.isInfinite else {
                throw .error(error("22003", "value out of range: overflow"))
            }
            guard narrowed != 0 || number == 0 else { throw .error(error("22003", "value out of range: underflow")) }
            return FloatText.text(narrowed, isFloat4: true)
        case .bool:
            throw cannotCast(source, type)
        default:
            throw .unsupported
        }
    }

    /// A float's value from its text; a float4 is read in single precision.
    static func floatValue(_ text: String, isFloat4: Bool) -> Double? {
        isFloat4 ? Float(text).map(Double.init) : Double(text)
    }

    /// Whether float input `text` spells an infinity (`Infinity`, `-inf`…), which is not out of range.
    private static func namesInfinity(_ text: String) -> Bool {
        ["infinity", "inf"].contains(text.lowercased().trimmingPrefix(/[+-]/))
    }

    private func boolCast(_ text: String, from source: PostgresType, isTextSource: Bool) throws(Failure) -> String {
        switch source {
        case .bool:
            return text
        case .int4:
            return text == "0" ? "f" : "t"
        case .int2, .int8, .numeric, .float4, .float8:
            throw cannotCast(source, .bool)
        case _ where isTextSource:
            // PostgreSQL's boolin: a prefix of true, false, yes or no, or on, off (at least "of"), 1, 0.
            let word = text.trimmingWhitespace().lowercased()
            func isPrefix(of whole: String) -> Bool { !word.isEmpty && whole.hasPrefix(word) }
            if isPrefix(of: "true") || isPrefix(of: "yes") || word == "on" || word == "1" { return "t" }
            if isPrefix(of: "false") || isPrefix(of: "no") || (word.count > 1 && isPrefix(of: "off")) || word == "0" {
                return "f"
            }
            throw .error(error("22P02", "invalid input syntax for type boolean: \"\(text)\""))
        default:
            throw .unsupported
        }
    }

    /// A cast to text, varchar, char or name: a bool is `true` or `false`, a char loses its trailing spaces (except
    /// to char), `varchar(n)` keeps `n` characters and `char(n)` is `n` characters, padded with spaces.
    private func textCast(_ text: String, from source: PostgresType, to type: PostgresType, length: Int?)
        throws(Failure) -> String
    {
        var scalars = Substring(text).unicodeScalars
        if source == .bool { scalars = (text == "t" ? "true" : "false").unicodeScalars[...] }
        if source == .bpchar && type != .bpchar {
            while scalars.last == " " { scalars = scalars.dropLast() }
        }
        if let length {
            scalars = scalars.prefix(length)
            if type == .bpchar {
                scalars.append(contentsOf: String(repeating: " ", count: length - scalars.count).unicodeScalars)
            }
        }
        let result = String(scalars)
        // A name is cut at 63 bytes, which this does not do.
        guard type != .name || result.utf8.count < 64 else { throw .unsupported }
        return result
    }

    /// Whether `text` is a decimal number as PostgreSQL's input functions read one: an optional sign and digits,
    /// with `fraction` also a decimal point (digits on either side) and an exponent (`1.5e-3`, `.5`, `1.`).
    /// Written out by hand: a regular expression is compiled again at every use, which a Bind of many parameters
    /// paid for each of them.
    static func isDecimal(_ text: String, fraction: Bool) -> Bool {
        var bytes = text.utf8[...]
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            let count = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        var count = digits()
        if fraction, bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            count += digits()
        }
        guard count > 0 else { return false }
        if fraction, let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
            }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
