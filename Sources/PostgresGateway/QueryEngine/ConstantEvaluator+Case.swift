extension ConstantEvaluator {
    /// `CASE [argument] WHEN condition THEN result … [ELSE otherwise] END` as PostgreSQL computes it: its parser
    /// reads every branch (an untyped literal `argument` is text; each condition, `argument = condition` in the
    /// simple form, must be a boolean: 42804 otherwise; the results, ELSE first, get ``commonType(of:literals:context:)``
    /// and untyped literals among them are read as that type), then constant folding evaluates the conditions in
    /// order and only the result of the first true one (or ELSE, or NULL): `case when true then 1 else 1/0 end` is 1.
    func caseValue(
        argument: SQLExpression?, conditions: [SQLExpression], results: [SQLExpression], otherwise: SQLExpression?
    ) throws(Failure) -> EvaluatedValue {
        let test = argument.map { isUntypedLiteral($0) ? Self.textCast($0) : $0 }
        let tests = conditions.map { condition -> SQLExpression in
            if let test { return .operation("=", left: test, right: condition) }
            return isUntypedLiteral(condition)
                ? .cast(condition, type: .bool, typeName: "bool", modifiers: []) : condition
        }
        let branches = [otherwise ?? .null] + results
        // What the parser does, in its order: the argument, each condition and result, then the results' type.
        var parser = self
        parser.isParseOnly = true
        if let test { _ = try parser.evaluate(test) }
        var parsed: [EvaluatedValue] = []
        for (condition, result) in zip(tests, results) {
            let type = try parser.evaluate(condition).type
            guard type == .bool else {
                throw .error(
                    error("42804", "argument of CASE/WHEN must be type boolean, not type \(Self.sqlName(type))"))
            }
            parsed.append(try parser.evaluate(result))
        }
        parsed.insert(try parser.evaluate(branches[0]), at: 0)
        let type = try commonType(of: parsed, literals: branches.map(isUntypedLiteral), context: "CASE")
        for (value, branch) in zip(parsed, branches) where isUntypedLiteral(branch) {
            _ = try parser.coerced(value, to: type)
        }
        guard !isParseOnly else { return EvaluatedValue(text: nil, type: type) }
        // What constant folding does.
        if let test { _ = try evaluate(test) }
        for (condition, result) in zip(tests, results) {
            if try evaluate(condition).text == "t" { return try coerced(evaluate(result), to: type) }
        }
        return try coerced(evaluate(branches[0]), to: type)
    }

    /// `value` as a value of `type` (itself when it has that type).
    func coerced(_ value: EvaluatedValue, to type: PostgresType) throws(Failure) -> EvaluatedValue {
        value.type == type ? value : try cast(value, to: type)
    }

    /// `expression::text`.
    static func textCast(_ expression: SQLExpression) -> SQLExpression {
        .cast(expression, type: .text, typeName: "text", modifiers: [])
    }
}
