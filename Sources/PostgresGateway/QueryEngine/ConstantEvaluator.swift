import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Evaluates select lists without FROM as PostgreSQL would: literals, parameters, casts, arithmetic (with
/// `22012 division by zero` and `22003` overflow), comparisons, `||` and the functions clients call at connect
/// time (`version()`, `current_setting`, `now()`, `current_user`…).
struct ConstantEvaluator {
    /// The session's settings (for `current_setting`, `current_user`, `current_database()`).
    var settings: [String: String]
    /// The bound parameters as text (`nil` is NULL).
    var parameters: [String?]
    /// The parameters' types (OIDs as the statement's ParameterDescription gives them; 0, unknown or missing:
    /// text).
    var parameterTypes: [UInt32]
    /// The version `version()` reports when the settings have no `server_version`.
    var serverVersion: String

    /// Why a value cannot be computed: PostgreSQL's error, or an expression the engine does not evaluate.
    enum Failure: Error {
        case error(DiagnosticMessage)
        case unsupported
    }

    /// The value of `expression`.
    func evaluate(_ expression: SQLExpression) throws(Failure) -> EvaluatedValue {
        switch expression {
        case .integer(let value):
            return EvaluatedValue(text: String(value), type: Int32(exactly: value) == nil ? .int8 : .int4)
        case .numeric(let text):
            return EvaluatedValue(text: text, type: .numeric)
        case .string(let text):
            return EvaluatedValue(text: text, type: .text)
        case .bool(let value):
            return EvaluatedValue(text: value ? "t" : "f", type: .bool)
        case .null:
            return EvaluatedValue(text: nil, type: .text)
        case .parameter(let number):
            guard number >= 1 && number <= parameters.count else {
                throw .error(error("42P02", "there is no parameter $\(number)"))
            }
            let value = EvaluatedValue(text: parameters[number - 1], type: .text)
            let oid = number <= parameterTypes.count ? parameterTypes[number - 1] : 0
            // A typed parameter is read as its type's input function reads it (`true` → `t`, 22P02 when invalid).
            guard let type = PostgresType.known(oid: oid), type != .text else { return value }
            return try cast(value, to: type)
        case .cast(let inner, let type, _):
            guard let type else { throw .unsupported }
            return try cast(evaluate(inner), to: type)
        case .operation(let name, let left, let right) where ["and", "or", "not"].contains(name):
            return try logical(name, left.map(evaluate), evaluate(right))
        case .operation(let name, let left, let right):
            return try operation(name, left.map(evaluate), evaluate(right))
        case .nullTest(let inner, let isNull):
            return EvaluatedValue(text: (try evaluate(inner).text == nil) == isNull ? "t" : "f", type: .bool)
        case .function(let name, let arguments):
            return try function(name, arguments.map(evaluate))
        case .keywordFunction(let name):
            return try keywordFunction(name)
        case .column(let name):
            throw .error(error("42703", "column \"\(name)\" does not exist"))
        case .other:
            throw .unsupported
        }
    }

    private func error(_ code: String, _ message: String) -> DiagnosticMessage {
        DiagnosticMessage(severity: "ERROR", sqlState: code, message: message)
    }

    // MARK: Casts

    private func cast(_ value: EvaluatedValue, to type: PostgresType) throws(Failure) -> EvaluatedValue {
        guard let text = value.text else { return EvaluatedValue(text: nil, type: type) }
        let trimmed = text.trimmingWhitespace()
        switch type.name {
        case "int2", "int4", "int8":
            let integer =
                Int64(trimmed) ?? Double(trimmed).flatMap { Int64(exactly: $0.rounded(.toNearestOrAwayFromZero)) }
            guard let integer else {
                throw .error(error("22P02", "invalid input syntax for type \(Self.sqlName(type)): \"\(text)\""))
            }
            let fits =
                switch type.name {
                case "int2": Int16(exactly: integer) != nil
                case "int4": Int32(exactly: integer) != nil
                default: true
                }
            guard fits else { throw .error(error("22003", "\(Self.sqlName(type)) out of range")) }
            return EvaluatedValue(text: String(integer), type: type)
        case "numeric":
            guard Double(trimmed) != nil else {
                throw .error(error("22P02", "invalid input syntax for type numeric: \"\(text)\""))
            }
            return EvaluatedValue(text: NumericValue(trimmed)?.text ?? trimmed, type: type)
        case "float4", "float8":
            guard let number = Double(trimmed) else {
                throw .error(error("22P02", "invalid input syntax for type \(Self.sqlName(type)): \"\(text)\""))
            }
            let isFloat4 = type == .float4
            guard !(isFloat4 ? Double(Float(number)) : number).isInfinite || Self.namesInfinity(trimmed) else {
                throw .error(error("22003", "\"\(trimmed)\" is out of range for type \(Self.sqlName(type))"))
            }
            return EvaluatedValue(text: Self.format(number, isFloat4: isFloat4), type: type)
        case "date", "timestamp", "timestamptz":
            return dateTimeCast(trimmed, to: type)
        case "bool":
            switch trimmed.lowercased() {
            case "t", "true", "yes", "on", "1", "y": return EvaluatedValue(text: "t", type: .bool)
            case "f", "false", "no", "off", "0", "n": return EvaluatedValue(text: "f", type: .bool)
            default: throw .error(error("22P02", "invalid input syntax for type boolean: \"\(text)\""))
            }
        default:
            return EvaluatedValue(text: text, type: type)
        }
    }

    /// The SQL name PostgreSQL's messages use for a type.
    private static func sqlName(_ type: PostgresType) -> String {
        switch type.name {
        case "int2": "smallint"
        case "int4": "integer"
        case "int8": "bigint"
        case "float4": "real"
        case "float8": "double precision"
        default: type.name
        }
    }

    /// Whether float input `text` spells an infinity (`Infinity`, `-inf`…), which is not out of range.
    private static func namesInfinity(_ text: String) -> Bool {
        ["infinity", "inf"].contains(text.lowercased().trimmingPrefix(/[+-]/))
    }

    /// A float as PostgreSQL prints it (shortest exact form of a float8, or of a float4 with `isFloat4`;
    /// `Infinity`, `NaN`).
    private static func format(_ number: Double, isFloat4: Bool = false) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        if number == number.rounded(), abs(number) < (isFloat4 ? 1e6 : 1e15) { return String(Int64(number)) }
        return isFloat4 ? "\(Float(number))" : "\(number)"
    }

    /// A cast to date, timestamp or timestamptz of a date or timestamp text in UTC (`now()::date` is the date,
    /// `'2024-02-29'::timestamp` midnight); other input (`today`, other zones) is kept as written.
    private func dateTimeCast(_ trimmed: String, to type: PostgresType) -> EvaluatedValue {
        guard let match = trimmed.wholeMatch(of: /(\d{4,}-\d\d-\d\d)(?:[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:\+00)?)?/)
        else {
            return EvaluatedValue(text: trimmed, type: type)
        }
        let date = String(match.1)
        let time = match.2.map(String.init) ?? "00:00:00"
        switch type.name {
        case "date": return EvaluatedValue(text: date, type: type)
        case "timestamp": return EvaluatedValue(text: "\(date) \(time)", type: type)
        default: return EvaluatedValue(text: "\(date) \(time)+00", type: type)
        }
    }

    // MARK: Operators

    private func operation(_ name: String, _ left: EvaluatedValue?, _ right: EvaluatedValue) throws(Failure)
        -> EvaluatedValue
    {
        if name == "^" && (left?.type == .numeric || right.type == .numeric) { throw .unsupported }
        let resultType: PostgresType =
            ["=", "<>", "!=", "<", ">", "<=", ">="].contains(name)
            ? .bool
            : name == "||" ? .text : name == "^" ? .float8 : Self.arithmeticType(left?.type ?? right.type, right.type)
        guard let rightText = right.text, left == nil || left?.text != nil else {
            return EvaluatedValue(text: nil, type: resultType)
        }
        if name == "||" { return EvaluatedValue(text: (left?.text ?? "") + rightText, type: .text) }
        guard let left, let leftText = left.text else {
            // Unary plus and minus.
            guard name == "-" || name == "+" else { throw .unsupported }
            return try operation(name, EvaluatedValue(text: "0", type: right.type), right)
        }
        let integers: Set = ["int2", "int4", "int8"]
        if name != "^", integers.contains(left.type.name) && integers.contains(right.type.name),
            let a = Int64(leftText),
            let b = Int64(rightText)
        {
            return try integerOperation(name, a, b, type: resultType == .bool ? .int8 : resultType)
        }
        if resultType == .numeric, let a = NumericValue(leftText), let b = NumericValue(rightText),
            let value = try numericOperation(name, a, b)
        {
            return value
        }
        if let a = Double(leftText), let b = Double(rightText), left.type != .text || right.type != .text {
            return try floatOperation(name, a, b, type: resultType)
        }
        switch name {
        case "=": return EvaluatedValue(text: leftText == rightText ? "t" : "f", type: .bool)
        case "<>", "!=": return EvaluatedValue(text: leftText != rightText ? "t" : "f", type: .bool)
        default: throw .unsupported
        }
    }

    /// SQL's `and`, `or` (three-valued: `false and NULL` is false) and `not` (`left` is `nil`) of booleans.
    private func logical(_ name: String, _ left: EvaluatedValue?, _ right: EvaluatedValue) throws(Failure)
        -> EvaluatedValue
    {
        func truth(_ value: EvaluatedValue) throws(Failure) -> Bool? {
            guard value.type == .bool || value.text == nil else { throw .unsupported }
            return value.text.map { $0 == "t" }
        }
        let b = try truth(right)
        let result: Bool?
        switch (name, try left.map(truth)) {
        case ("not", nil): result = b.map { !$0 }
        case ("and", let a?): result = a == false || b == false ? false : (a == nil || b == nil ? nil : true)
        case ("or", let a?): result = a == true || b == true ? true : (a == nil || b == nil ? nil : false)
        default: throw .unsupported
        }
        return EvaluatedValue(text: result.map { $0 ? "t" : "f" }, type: .bool)
    }

    /// The type of `a op b` for numbers, as PostgreSQL resolves the operator: the wider of two integers or numerics
    /// (int2 < int4 < int8 < numeric; int2 only for two int2s), float4 for two float4s, and float8, the preferred type of
    /// numbers, for any other mix with a float (`1::float4 / 3` is a float8).
    private static func arithmeticType(_ left: PostgresType, _ right: PostgresType) -> PostgresType {
        let order: [PostgresType] = [.int2, .int4, .int8, .numeric, .float4, .float8]
        guard let a = order.firstIndex(of: left), let b = order.firstIndex(of: right) else {
            return left == .text ? right : left
        }
        if left == .float4 && right == .float4 { return .float4 }
        if left == .float4 || right == .float4 { return .float8 }
        return order[left == .int2 && right == .int2 ? 0 : max(a, b, 1)]
    }

    private func integerOperation(_ name: String, _ a: Int64, _ b: Int64, type: PostgresType) throws(Failure)
        -> EvaluatedValue
    {
        let result: (Int64, Bool)
        switch name {
        case "+": result = a.addingReportingOverflow(b)
        case "-": result = a.subtractingReportingOverflow(b)
        case "*": result = a.multipliedReportingOverflow(by: b)
        case "/", "%":
            guard b != 0 else { throw .error(error("22012", "division by zero")) }
            result = name == "/" ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
        default:
            return try comparison(name, a < b ? -1 : (a == b ? 0 : 1))
        }
        let fits =
            switch type {
            case .int2: Int16(exactly: result.0) != nil
            case .int8: true
            default: Int32(exactly: result.0) != nil
            }
        guard !result.1, fits else {
            throw .error(error("22003", "\(Self.sqlName(type)) out of range"))
        }
        return EvaluatedValue(text: String(result.0), type: type)
    }

    /// Exact `numeric` arithmetic (`+ - * / %`) at PostgreSQL's scales; `nil` for another operator or when the
    /// result needs more than ``NumericValue`` holds (the caller then computes in floating point).
    private func numericOperation(_ name: String, _ a: NumericValue, _ b: NumericValue) throws(Failure)
        -> EvaluatedValue?
    {
        let result: NumericValue?
        switch name {
        case "+": result = a.adding(b)
        case "-": result = a.adding(b, subtracting: true)
        case "*": result = a.multiplied(by: b)
        case "/", "%":
            guard b.units != 0 else { throw .error(error("22012", "division by zero")) }
            result = name == "/" ? a.divided(by: b) : a.remainder(dividingBy: b)
        default:
            // Comparisons have a bool result and do not come here; other operators are not evaluated.
            return nil
        }
        return result.map { EvaluatedValue(text: $0.text, type: .numeric) }
    }

    /// float4 (computed in single precision) and float8 arithmetic; a finite operation that overflows is 22003.
    private func floatOperation(_ name: String, _ a: Double, _ b: Double, type: PostgresType) throws(Failure)
        -> EvaluatedValue
    {
        let isFloat4 = type == .float4
        func rounded(_ value: Double) -> Double { isFloat4 ? Double(Float(value)) : value }
        let (a, b) = (rounded(a), rounded(b))
        let result: Double
        switch name {
        case "+": result = rounded(a + b)
        case "-": result = rounded(a - b)
        case "*": result = rounded(a * b)
        case "/":
            guard b != 0 else { throw .error(error("22012", "division by zero")) }
            result = rounded(a / b)
        case "^":
            result = pow(a, b)
        default:
            return try comparison(name, a < b ? -1 : (a == b ? 0 : 1))
        }
        guard !result.isInfinite || a.isInfinite || b.isInfinite else {
            throw .error(error("22003", "value out of range: overflow"))
        }
        return EvaluatedValue(text: Self.format(result, isFloat4: isFloat4), type: type)
    }

    private func comparison(_ name: String, _ order: Int) throws(Failure) -> EvaluatedValue {
        let result: Bool
        switch name {
        case "=": result = order == 0
        case "<>", "!=": result = order != 0
        case "<": result = order < 0
        case ">": result = order > 0
        case "<=": result = order <= 0
        case ">=": result = order >= 0
        default: throw .unsupported
        }
        return EvaluatedValue(text: result ? "t" : "f", type: .bool)
    }

    // MARK: Functions

    private func function(_ name: String, _ arguments: [EvaluatedValue]) throws(Failure) -> EvaluatedValue {
        switch (name, arguments.count) {
        case ("now", 0), ("transaction_timestamp", 0), ("statement_timestamp", 0), ("clock_timestamp", 0):
            return EvaluatedValue(text: Self.timestamp(), type: .timestamptz)
        case ("version", 0):
            return EvaluatedValue(text: "PostgreSQL \(settings["server_version"] ?? serverVersion) on pgw", type: .text)
        case ("current_database", 0):
            return EvaluatedValue(text: settings[ServerSettings.databaseKey], type: .name)
        case ("current_schema", 0):
            return EvaluatedValue(text: "public", type: .name)
        case ("current_setting", 1), ("current_setting", 2):
            let name = arguments[0].text ?? ""
            let value = settings[ServerSettings.canonicalName(name, in: settings)]
            guard value != nil || arguments.count == 2 else {
                throw .error(error("42704", "unrecognized configuration parameter \"\(name)\""))
            }
            return EvaluatedValue(text: value, type: .text)
        case ("set_config", 3):
            return EvaluatedValue(text: arguments[1].text, type: .text)
        case ("pg_backend_pid", 0):
            return EvaluatedValue(text: String(getpid()), type: .int4)
        case ("pg_is_in_recovery", 0):
            return EvaluatedValue(text: "f", type: .bool)
        case ("txid_current", 0):
            return EvaluatedValue(text: "1", type: .int8)
        case ("pg_sleep", 1):
            return EvaluatedValue(text: "", type: .void)
        case ("coalesce", _) where !arguments.isEmpty:
            let value = arguments.first { $0.text != nil }
            return EvaluatedValue(text: value?.text, type: value?.type ?? arguments[0].type)
        case ("abs", 1):
            guard let text = arguments[0].text else { return arguments[0] }
            guard [.int2, .int4, .int8, .numeric, .float4, .float8].contains(arguments[0].type) else {
                throw .unsupported
            }
            return EvaluatedValue(text: text.hasPrefix("-") ? String(text.dropFirst()) : text, type: arguments[0].type)
        case ("upper", 1), ("lower", 1), ("length", 1):
            guard let text = arguments[0].text else { return EvaluatedValue(text: nil, type: .text) }
            if name == "length" { return EvaluatedValue(text: String(text.count), type: .int4) }
            return EvaluatedValue(text: name == "upper" ? text.uppercased() : text.lowercased(), type: .text)
        default:
            throw .unsupported
        }
    }

    private func keywordFunction(_ name: String) throws(Failure) -> EvaluatedValue {
        switch name {
        case "current_user", "session_user", "user", "current_role":
            return EvaluatedValue(text: settings["session_authorization"], type: .name)
        case "current_catalog":
            return EvaluatedValue(text: settings[ServerSettings.databaseKey], type: .name)
        case "current_schema":
            return EvaluatedValue(text: "public", type: .name)
        case "current_timestamp":
            return EvaluatedValue(text: Self.timestamp(), type: .timestamptz)
        case "current_date":
            return EvaluatedValue(text: String(Self.timestamp().prefix(10)), type: PostgresType.named("date")!)
        default:
            throw .unsupported
        }
    }

    /// The current time as PostgreSQL prints a `timestamptz` in UTC: `2026-12-01 04:14:32.123456+00`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let micros = Int32(now.tv_nsec / 1_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(micros, 6))+00"
    }
}
