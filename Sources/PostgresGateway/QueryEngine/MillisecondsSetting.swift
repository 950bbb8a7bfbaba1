import PostgresWire

/// The value of a setting of milliseconds (`statement_timeout`, `lock_timeout`, …) as PostgreSQL reads it
/// (`parse_int` with the units of time) and shows it (in the largest unit that divides it).
enum MillisecondsSetting {
    /// The settings read so.
    static let names: Set<String> = [
        "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "idle_session_timeout",
    ]

    /// The units PostgreSQL takes for such a setting, with their milliseconds, largest first.
    private static let units: [(name: String, milliseconds: Double)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1_000), ("ms", 1), ("us", 0.001),
    ]

    /// The milliseconds `text` stands for (`500`, `'1s'`, `'1.5 min'`, `'0x10'`), or PostgreSQL's 22023 naming the
    /// setting `name`; a value out of range is refused as PostgreSQL refuses it (0 … 2147483647).
    static func milliseconds(_ text: String, name: String) throws(QuerySessionError) -> Int {
        func invalid(hint: String? = nil) -> QuerySessionError {
            .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "22023",
                    message: "invalid value for parameter \"\(name)\": \"\(text)\"", hint: hint))
        }
        var rest = Substring(text).drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        // strtol with base 0 (hexadecimal, octal, decimal), or strtod when a fraction or exponent follows.
        let sign = rest.first == "-" ? -1.0 : 1.0
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        var number: Double
        let hexDigits = rest.lowercased().hasPrefix("0x") ? rest.dropFirst(2).prefix { $0.isHexDigit } : ""
        if let value = Int(hexDigits, radix: 16) {
            number = Double(value)
            rest = rest.dropFirst(2 + hexDigits.count)
        } else {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            var end = digits.endIndex
            if end < rest.endIndex, rest[end] == "e" || rest[end] == "E" {
                var exponentEnd = rest.index(after: end)
                if exponentEnd < rest.endIndex, rest[exponentEnd] == "-" || rest[exponentEnd] == "+" {
                    exponentEnd = rest.index(after: exponentEnd)
                }
                let exponentDigits = rest[exponentEnd...].prefix { $0.isASCII && $0.isNumber }
                if !exponentDigits.isEmpty { end = exponentDigits.endIndex }
            }
            guard let value = Double(rest[..<end]), !digits.isEmpty else { throw invalid() }
            if digits.count > 1, digits.first == "0", !digits.contains("."), end == digits.endIndex {
                number = Double(Int(digits, radix: 8) ?? 0)
            } else {
                number = value
            }
            rest = rest[end...]
        }
        number *= sign
        rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        let unitName = rest.prefix { $0.isLetter }
        if !unitName.isEmpty {
            guard let unit = units.first(where: { $0.name == unitName }) else {
                throw invalid(
                    hint: "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".")
            }
            number *= unit.milliseconds
            rest = rest.dropFirst(unitName.count).drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        }
        guard rest.isEmpty else { throw invalid() }
        let rounded = number.rounded(.toNearestOrEven)
        guard rounded.magnitude <= Double(Int32.max) else { throw invalid(hint: "Value exceeds integer range.") }
        guard rounded >= 0 else {
            throw .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "22023",
                    message: "\(Int(rounded)) ms is outside the valid range for parameter \"\(name)\" (0 .. 2147483647)"
                ))
        }
        return Int(rounded)
    }

    /// `milliseconds` as SHOW prints it: `0`, `500ms`, `1s`, `1min`, `1h`, `1d`.
    static func text(_ milliseconds: Int) -> String {
        guard milliseconds != 0 else { return "0" }
        for unit in units.dropLast() where milliseconds % Int(unit.milliseconds) == 0 {
            return "\(milliseconds / Int(unit.milliseconds))\(unit.name)"
        }
        return "\(milliseconds)ms"
    }
}
