import PostgresWire

/// Which values PostgreSQL takes for the settings besides `TimeZone`, `DateStyle` and `client_encoding` that change
/// how serve prints values or that it reports: `extra_float_digits` (an integer from -15 to 3, read as `parse_int`
/// reads it), `bytea_output` and `IntervalStyle` (enumerations, in any letter case).
enum OutputSettingValue {
    /// The enumerated settings, by lowercased name: their values, in the order PostgreSQL's hint lists them.
    static let choices: [String: [String]] = [
        "bytea_output": ["escape", "hex"],
        "intervalstyle": ["postgres", "postgres_verbose", "sql_standard", "iso_8601"],
    ]

    /// The lowercased names of the settings read here.
    static let names: Set<String> = Set(choices.keys).union(["extra_float_digits"])

    /// The value a SET of the setting `name` (`lowercased`: its name in lower case) to `value` keeps: an
    /// enumeration's value in lower case, the integer as PostgreSQL shows it; PostgreSQL's 22023 for a value it
    /// refuses; `nil` for a setting not read here.
    static func validated(_ name: String, lowercased: String, _ value: String) throws(QuerySessionError) -> String? {
        func invalid(hint: String? = nil) -> QuerySessionError {
            .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "22023",
                    message: "invalid value for parameter \"\(name)\": \"\(value)\"", hint: hint))
        }
        if let choices = choices[lowercased] {
            guard let choice = choices.first(where: { $0 == value.lowercased() }) else {
                throw invalid(hint: "Available values: \(choices.joined(separator: ", ")).")
            }
            return choice
        }
        guard lowercased == "extra_float_digits" else { return nil }
        guard let number = integer(value) else { throw invalid() }
        guard (-15...3).contains(number) else {
            throw .reported(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "22023",
                    message: "\(number) is outside the valid range for parameter \"\(name)\" (-15 .. 3)"))
        }
        return String(number)
    }

    /// `text` as PostgreSQL's `parse_int` reads a setting without a unit: surrounding white space, a decimal,
    /// hexadecimal (`0x`) or octal (leading `0`) integer, or a number with a fraction or exponent rounded to the
    /// nearest integer (ties to even, as `rint`); `nil` for other text or a number beyond 32 bits.
    private static func integer(_ text: String) -> Int? {
        let trimmed = text.trimmingPrefix { $0 == " " || $0 == "\t" || $0 == "\n" }
        let body = String(trimmed.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed())
        let negative = body.hasPrefix("-")
        let unsigned = body.hasPrefix("-") || body.hasPrefix("+") ? String(body.dropFirst()) : body
        var number: Double?
        if unsigned.lowercased().hasPrefix("0x") {
            number = Int(unsigned.dropFirst(2), radix: 16).map(Double.init)
        } else if unsigned.count > 1, unsigned.hasPrefix("0"), unsigned.allSatisfy({ $0.isASCII && $0.isNumber }) {
            number = Int(unsigned, radix: 8).map(Double.init)
        } else if let first = unsigned.first, first.isASCII, first.isNumber || first == "." {
            number = Double(unsigned)
        }
        guard let number, number.isFinite else { return nil }
        let rounded = (negative ? -number : number).rounded(.toNearestOrEven)
        guard rounded.magnitude <= Double(Int32.max) else { return nil }
        return Int(rounded)
    }
}
