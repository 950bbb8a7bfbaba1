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
    /// The settings that change values' texts (``settings`` as ``OutputSettings`` reads them).
    var output = OutputSettings.standard
    /// Whether the expression is one PostgreSQL's planner drops unevaluated (a CASE branch not taken): only what its
    /// parser already computes fails (the cast of an untyped literal, 42846, a CASE's types), while what constant
    /// folding computes (`1/0`, overflows) is NULL of its type; a function's error is not answered.
    var isParseOnly = false
    /// The statement's clock (``now``).
    var clock = StatementClock()

    /// The statement's time, which now(), current_timestamp and the other clocks but clock_timestamp() read: one
    /// value for the whole statement, as in PostgreSQL (where it is the transaction's start).
    var now: String { clock.now }

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
            // Beyond NumericValue's 38 digits (`1e300`) PostgreSQL's arbitrary precision is not computed.
            guard let value = NumericValue(text) else { throw .unsupported }
            return EvaluatedValue(text: value.text, type: .numeric)
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
            // A typed parameter is read as its type's input function reads it (`true` → `t`, 22P02 when invalid);
            // one of a type that is not computed keeps its text.
            guard let type = parameterType(number), type != .text else { return value }
            do {
                return try cast(value, to: type)
            } catch .unsupported {
                return EvaluatedValue(text: value.text, type: type)
            }
        case .cast(.numeric(let text), let type?, _, [])
        where (type == .float4 || type == .float8) && NumericValue(text) == nil:
            // A numeric constant beyond NumericValue (`1e308::float8`) has, as a float, the value PostgreSQL reads
            // from the numeric's text; out of range, its error quotes that text, which is not computed.
            guard let number = Self.floatValue(text, isFloat4: type == .float4), number.isFinite, number != 0 else {
                throw .unsupported
            }
            return EvaluatedValue(text: FloatText.text(number, isFloat4: type == .float4), type: type)
        case .cast(let inner, let type, _, let modifiers):
            guard let type else { throw .unsupported }
            let value = try evaluate(inner)
            // PostgreSQL's parser reads an untyped literal with the type's input function.
            return try folded(type, isParsed: isUntypedLiteral(inner)) { () throws(Failure) in
                try cast(value, to: type, modifiers: modifiers)
            }
        case .operation(let name, let left, let right) where ["and", "or", "not"].contains(name):
            return try logical(name, left.map(evaluate), evaluate(right))
        case .operation(let name, let left?, let right) where name != "||":
            // An untyped literal operand (`'1'` in `'1' + 1`) takes the other operand's type.
            let (a, b) = (try evaluate(left), try evaluate(right))
            let (resolvedA, resolvedB) = (
                try resolvingUnknown(a, of: left, against: b, of: right),
                try resolvingUnknown(b, of: right, against: a, of: left)
            )
            return try folded(Self.operationType(name, resolvedA.type, resolvedB.type)) { () throws(Failure) in
                try operation(name, resolvedA, resolvedB)
            }
        case .operation(let name, let left, let right):
            let (a, b) = (try left.map(evaluate), try evaluate(right))
            return try folded(Self.operationType(name, a?.type ?? b.type, b.type)) { () throws(Failure) in
                try operation(name, a, b)
            }
        case .nullTest(let inner, let isNull):
            return EvaluatedValue(text: (try evaluate(inner).text == nil) == isNull ? "t" : "f", type: .bool)
        case .function(let name, let arguments):
            let values = try arguments.map(evaluate)
            do {
                return try function(name, values, literals: arguments.map(isUntypedLiteral))
            } catch .error(let diagnostic) {
                throw isParseOnly ? .unsupported : .error(diagnostic)
            }
        case .caseWhen(let argument, let conditions, let results, let otherwise):
            return try caseValue(argument: argument, conditions: conditions, results: results, otherwise: otherwise)
        case .keywordFunction(let name):
            return try keywordFunction(name)
        case .column(let name):
            throw .error(error("42703", "column \"\(name)\" does not exist"))
        case .other:
            throw .unsupported
        }
    }

    /// PostgreSQL's error with `code` and `message`.
    func error(_ code: String, _ message: String) -> DiagnosticMessage {
        DiagnosticMessage(severity: "ERROR", sqlState: code, message: message)
    }

    /// `compute()`; in a branch PostgreSQL does not evaluate (``isParseOnly``), NULL of `type` instead of an error
    /// that constant folding raises, not the parser (`isParsed`, a cast PostgreSQL does not have: 42846).
    private func folded(
        _ type: PostgresType, isParsed: Bool = false, _ compute: () throws(Failure) -> EvaluatedValue
    ) throws(Failure) -> EvaluatedValue {
        do {
            return try compute()
        } catch .error(let diagnostic) where isParseOnly && !isParsed && diagnostic.sqlState != "42846" {
            return EvaluatedValue(text: nil, type: type)
        }
    }

    /// The type of parameter `number` (1-based), `nil` when it has none (0, unknown or missing: an untyped value).
    private func parameterType(_ number: Int) -> PostgresType? {
        number <= parameterTypes.count ? PostgresType.known(oid: parameterTypes[number - 1]) : nil
    }

    /// Whether `expression` is of PostgreSQL's type `unknown`: a string literal, NULL or an untyped parameter.
    func isUntypedLiteral(_ expression: SQLExpression) -> Bool {
        switch expression {
        case .string, .null: true
        case .parameter(let number): parameterType(number) == nil
        default: false
        }
    }

    /// `value`, or for an untyped literal against an operand of a number, bool, date, timestamp or bytea type, the
    /// literal cast to that type, as PostgreSQL resolves an operator with an `unknown` argument (`'1' + 1` is
    /// `int4 + int4`; `'1.5' + 1` is 22P02).
    private func resolvingUnknown(
        _ value: EvaluatedValue, of expression: SQLExpression, against other: EvaluatedValue,
        of otherExpression: SQLExpression
    ) throws(Failure) -> EvaluatedValue {
        let resolvable = Self.numericTypes + [.bool, .date, .timestamp, .timestamptz, .bytea]
        guard isUntypedLiteral(expression), !isUntypedLiteral(otherExpression), resolvable.contains(other.type)
        else {
            return value
        }
        return try cast(value, to: other.type)
    }

    /// The SQL name PostgreSQL's messages use for a type.
    static func sqlName(_ type: PostgresType) -> String {
        switch type.name {
        case "int2": "smallint"
        case "int4": "integer"
        case "int8": "bigint"
        case "float4": "real"
        case "float8": "double precision"
        case "bool": "boolean"
        case "varchar": "character varying"
        case "bpchar": "character"
        case "timestamp": "timestamp without time zone"
        case "timestamptz": "timestamp with time zone"
        case "time": "time without time zone"
        case "timetz": "time with time zone"
        case "varbit": "bit varying"
        case "char": "\"char\""
        case _ where type.name.hasPrefix("_"):
            PostgresType.named(String(type.name.dropFirst())).map { sqlName($0) + "[]" } ?? type.name
        default: type.name
        }
    }

    // MARK: Operators

    /// `left name right` (`left` is `nil` for a unary operator) of values of resolved types.
    func operation(_ name: String, _ left: EvaluatedValue?, _ right: EvaluatedValue) throws(Failure)
        -> EvaluatedValue
    {
        // char(n) compares and concatenates without its trailing spaces, which is not computed.
        if left?.type == .bpchar || right.type == .bpchar { throw .unsupported }
        if name == "^" && (left?.type == .numeric || right.type == .numeric) { throw .unsupported }
        if name == "||" { return try concatenation(left, right) }
        let isComparison = Self.comparisons.contains(name)
        let resultType = Self.operationType(name, left?.type ?? right.type, right.type)
        guard let rightText = right.text, left == nil || left?.text != nil else {
            return EvaluatedValue(text: nil, type: resultType)
        }
        guard let left, let leftText = left.text else { return try unaryOperation(name, right) }
        let numbers = Self.numericTypes
        guard numbers.contains(left.type) && numbers.contains(right.type) else {
            // Values of one type with a canonical text are equal when their texts are.
            let sameType = left.type == right.type || Self.textTypes.isSuperset(of: [left.type.name, right.type.name])
            guard sameType, Self.equalityTypes.contains(left.type.name) else { throw .unsupported }
            // Equal values have the same bytes (a deterministic collation); text sorts by code point, the order of
            // UTF-8's bytes, only in a C collation.
            if name == "=" || name == "<>" || name == "!=" {
                return try comparison(name, leftText.utf8.elementsEqual(rightText.utf8) ? 0 : 1)
            }
            guard Self.textTypes.contains(left.type.name), output.sortsByCodePoint else { throw .unsupported }
            let order =
                leftText.utf8.elementsEqual(rightText.utf8)
                ? 0 : (leftText.utf8.lexicographicallyPrecedes(rightText.utf8) ? -1 : 1)
            return try comparison(name, order)
        }
        let integers: [PostgresType] = [.int2, .int4, .int8]
        if name != "^", integers.contains(left.type) && integers.contains(right.type),
            let a = Int64(leftText), let b = Int64(rightText)
        {
            return try integerOperation(name, a, b, type: isComparison ? .int8 : resultType)
        }
        let floats: [PostgresType] = [.float4, .float8]
        if name != "^" && !floats.contains(left.type) && !floats.contains(right.type) {
            // numeric with numeric or an integer: exact, or not answered.
            guard let a = NumericValue(leftText), let b = NumericValue(rightText) else { throw .unsupported }
            return try numericOperation(name, a, b)
        }
        guard let a = Self.floatValue(leftText, isFloat4: left.type == .float4),
            let b = Self.floatValue(rightText, isFloat4: right.type == .float4)
        else {
            throw .unsupported
        }
        return try floatOperation(name, a, b, type: resultType)
    }

    /// The type of `left name right` (a comparison: bool; `^`: float8; `||`: text; else ``arithmeticType(_:_:)``).
    static func operationType(_ name: String, _ left: PostgresType, _ right: PostgresType) -> PostgresType {
        if comparisons.contains(name) { return .bool }
        switch name {
        case "^": return .float8
        case "||": return .text
        default: return arithmeticType(left, right)
        }
    }

    /// The comparison operators.
    private static let comparisons: Set = ["=", "<>", "!=", "<", ">", "<=", ">="]
    /// The types whose values are equal exactly when their texts are (the text types, without char(n)).
    private static let equalityTypes: Set = [
        "text", "varchar", "name", "bool", "date", "timestamp", "timestamptz", "bytea",
    ]

    /// `left || right` with text on one side at least: the other side's text (`true` for a bool); arrays, bytea
    /// and other mixes are not computed.
    private func concatenation(_ left: EvaluatedValue?, _ right: EvaluatedValue) throws(Failure) -> EvaluatedValue {
        guard let left else { throw .unsupported }
        let types = [left.type, right.type]
        guard types.contains(where: { Self.textTypes.contains($0.name) }),
            !types.contains(where: { $0 == .bytea || $0.name.hasPrefix("_") })
        else {
            throw .unsupported
        }
        guard let leftText = left.text, let rightText = right.text else {
            return EvaluatedValue(text: nil, type: .text)
        }
        func text(_ value: EvaluatedValue, _ text: String) throws(Failure) -> String {
            value.type == .bool ? (text == "t" ? "true" : "false") : try outputText(of: value) ?? text
        }
        return EvaluatedValue(text: try text(left, leftText) + text(right, rightText), type: .text)
    }

    /// Unary plus and minus of a number (a float's minus keeps the sign of zero: `-0.0::float8` is `-0`).
    private func unaryOperation(_ name: String, _ value: EvaluatedValue) throws(Failure) -> EvaluatedValue {
        guard name == "-" || name == "+", Self.numericTypes.contains(value.type), let text = value.text else {
            throw .unsupported
        }
        if name == "+" { return value }
        let isFloat4 = value.type == .float4
        if isFloat4 || value.type == .float8 {
            guard let number = Self.floatValue(text, isFloat4: isFloat4) else { throw .unsupported }
            return EvaluatedValue(text: FloatText.text(-number, isFloat4: isFloat4), type: value.type)
        }
        return try operation(name, EvaluatedValue(text: "0", type: value.type), value)
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
    static func arithmeticType(_ left: PostgresType, _ right: PostgresType) -> PostgresType {
        let order = numericTypes
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

    /// Exact `numeric` arithmetic (`+ - * / %`) at PostgreSQL's scales and comparisons; `.unsupported` for another
    /// operator or when the result needs more than ``NumericValue`` holds.
    private func numericOperation(_ name: String, _ a: NumericValue, _ b: NumericValue) throws(Failure)
        -> EvaluatedValue
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
            guard let order = a.compared(to: b) else { throw .unsupported }
            return try comparison(name, order)
        }
        guard let result else { throw .unsupported }
        return EvaluatedValue(text: result.text, type: .numeric)
    }

    /// float4 (computed in single precision) and float8 arithmetic and comparisons (NaN equal to itself and above
    /// every other value, as in PostgreSQL); a finite operation that overflows or a non-zero one that underflows to
    /// zero is 22003, `^` has PostgreSQL's 2201F for complex and undefined results.
    private func floatOperation(_ name: String, _ a: Double, _ b: Double, type: PostgresType) throws(Failure)
        -> EvaluatedValue
    {
        let isFloat4 = type == .float4
        func rounded(_ value: Double) -> Double { isFloat4 ? Double(Float(value)) : value }
        let result: Double
        var mayUnderflow = a != 0 && b != 0
        switch name {
        case "+": result = rounded(a + b)
        case "-": result = rounded(a - b)
        case "*": result = rounded(a * b)
        case "/":
            guard b != 0 || a.isNaN else { throw .error(error("22012", "division by zero")) }
            result = rounded(a / b)
            mayUnderflow = a != 0 && !b.isInfinite
        case "^":
            guard a != 0 || b >= 0 || b.isNaN else {
                throw .error(error("2201F", "zero raised to a negative power is undefined"))
            }
            guard a >= 0 || b == b.rounded() || a.isNaN || b.isNaN else {
                throw .error(error("2201F", "a negative number raised to a non-integer power yields a complex result"))
            }
            // pow's special cases (NaN, infinities, 1 and -1 to infinite powers) follow POSIX, as PostgreSQL's.
            result = pow(a, b)
            mayUnderflow = a != 0 && b.isFinite && !a.isInfinite
        default:
            let order = a.isNaN ? (b.isNaN ? 0 : 1) : (b.isNaN ? -1 : (a < b ? -1 : (a == b ? 0 : 1)))
            return try comparison(name, order)
        }
        guard !result.isInfinite || a.isInfinite || b.isInfinite else {
            throw .error(error("22003", "value out of range: overflow"))
        }
        guard result != 0 || !mayUnderflow else { throw .error(error("22003", "value out of range: underflow")) }
        return EvaluatedValue(text: FloatText.text(result, isFloat4: isFloat4), type: type)
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

    /// A function's value; `literals` says which arguments are untyped literals (whose type comes from the others).
    private func function(_ name: String, _ arguments: [EvaluatedValue], literals: [Bool]) throws(Failure)
        -> EvaluatedValue
    {
        switch (name, arguments.count) {
        case ("now", 0), ("transaction_timestamp", 0), ("statement_timestamp", 0):
            return EvaluatedValue(text: now, type: .timestamptz)
        case ("clock_timestamp", 0):
            return EvaluatedValue(text: Self.timestamp(), type: .timestamptz)
        case ("version", 0):
            return EvaluatedValue(text: "PostgreSQL \(settings["server_version"] ?? serverVersion) on pgw", type: .text)
        case ("current_database", 0):
            return EvaluatedValue(text: settings[ServerSettings.databaseKey], type: .name)
        case ("current_schema", 0):
            return EvaluatedValue(text: "public", type: .name)
        case ("current_setting", 1), ("current_setting", 2):
            let name = arguments[0].text ?? ""
            let value =
                settings[ServerSettings.canonicalName(name, in: settings)]
                ?? PostgresSettingDefaults.byLowercasedName[name.lowercased()]?.value
            guard value != nil || arguments.count == 2 else {
                throw .error(error("42704", "unrecognized configuration parameter \"\(name)\""))
            }
            return EvaluatedValue(text: value, type: .text)
        case ("set_config", 3):
            // The value as the setting keeps it (`100` → `100ms`), or PostgreSQL's error (the session makes the change).
            guard let name = arguments[0].text, let value = arguments[1].text else {
                return EvaluatedValue(text: arguments[1].text, type: .text)
            }
            do throws(QuerySessionError) {
                return EvaluatedValue(text: try ServerSettings.validated(name, value, in: settings), type: .text)
            } catch {
                throw .error(error.diagnostic)
            }
        case ("pg_backend_pid", 0):
            // The session's process ID, as its BackendKeyData gave it.
            return EvaluatedValue(text: settings[ServerSettings.processIDKey] ?? String(getpid()), type: .int4)
        case ("pg_is_in_recovery", 0):
            return EvaluatedValue(text: "f", type: .bool)
        case ("txid_current", 0):
            return EvaluatedValue(text: "1", type: .int8)
        case ("pg_sleep", 1), ("pg_advisory_unlock_all", 0):
            // pg_advisory_unlock_all(): asyncpg's pool resets a connection with it; the session holds no locks.
            return EvaluatedValue(text: "", type: .void)
        case ("coalesce", _) where !arguments.isEmpty:
            let type = try commonType(of: arguments, literals: literals, context: "COALESCE")
            var values: [EvaluatedValue] = []
            for argument in arguments { values.append(try coerced(argument, to: type)) }
            return values.first { $0.text != nil } ?? EvaluatedValue(text: nil, type: type)
        case ("nullif", 2):
            return try nullIf(arguments[0], arguments[1], literals: literals)
        case ("greatest", _), ("least", _):
            return try extreme(arguments, literals: literals, greatest: name == "greatest")
        case ("abs", 1):
            let argument = arguments[0]
            guard let text = argument.text, text.hasPrefix("-") else { return argument }
            guard Self.numericTypes.contains(argument.type) else { throw .unsupported }
            let magnitude = String(text.dropFirst())
            guard
                ![.int2, .int4, .int8].contains(argument.type)
                    || Int64(magnitude).map({ Self.fits($0, in: argument.type) }) == true
            else {
                throw .error(error("22003", "\(Self.sqlName(argument.type)) out of range"))
            }
            return EvaluatedValue(text: magnitude, type: argument.type)
        case ("upper", 1), ("lower", 1), ("length", 1):
            // Text only (char(n) loses its spaces first); upper and lower of ASCII, whose case is the same in
            // every locale.
            guard [.text, .varchar, .name].contains(arguments[0].type) else { throw .unsupported }
            guard let text = arguments[0].text else {
                return EvaluatedValue(text: nil, type: name == "length" ? .int4 : .text)
            }
            if name == "length" { return EvaluatedValue(text: String(text.unicodeScalars.count), type: .int4) }
            guard text.utf8.allSatisfy({ $0 < 0x80 }) else { throw .unsupported }
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
            return EvaluatedValue(text: now, type: .timestamptz)
        case "current_date", "localtimestamp", "localtime", "current_time":
            // The date and time of day in the session's zone.
            guard let (local, localTime) = DateTimeText.local(ofTimestamptz: now, in: try zone()) else {
                throw .unsupported
            }
            switch name {
            case "current_date": return EvaluatedValue(text: DateTimeText.isoText(local, time: false), type: .date)
            case "localtimestamp":
                return EvaluatedValue(text: DateTimeText.isoText(local, time: true), type: .timestamp)
            case "localtime": return EvaluatedValue(text: DateTimeText.clockText(local), type: .time)
            default:
                let text = DateTimeText.clockText(local) + DateTimeText.offsetText(localTime.offset)
                return EvaluatedValue(text: text, type: .timetz)
            }
        default:
            throw .unsupported
        }
    }

    /// The current time as the engine keeps a `timestamptz` (in UTC, as PostgreSQL prints it in the zone UTC):
    /// `2026-12-01 04:14:32.123456+00`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var fraction = Substring(DateTimeText.pad(Int(now.tv_nsec / 1_000), 6))
        while fraction.last == "0" { fraction = fraction.dropLast() }
        let seconds = Int64(now.tv_sec)
        let moment = DateTimeText.Moment(days: 0, seconds: 0, fraction: fraction, offset: nil).moved(to: seconds)
        return DateTimeText.isoText(moment, time: true) + "+00"
    }
}
