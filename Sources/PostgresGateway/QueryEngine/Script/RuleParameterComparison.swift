/// How a rule's `params` compare with a statement's values: a value whose type is known (the rule's `param_types`,
/// else the type the statement's Parse, a cast or the value's own literal gives it) is compared by its typed value,
/// as PostgreSQL's `=` for the type compares them; other values as text.
///
/// Both sides are read by the type's input function in the session's settings (a timestamptz without an offset is
/// a time in its `TimeZone`) and compared in the form its output function prints: `t`, `true`, `yes` and `on` are
/// one bool; `2024-01-01T00:00:00+00:00` and `2024-01-01 01:00:00+01` one timestamptz (the same instant); `01` and
/// `1` one integer; numerics by their value, so `1.5` and `1.50` are equal (their scale aside, as numeric's `=`
/// compares). A value the type's input function refuses, or of a type the engine does not compute, is compared as
/// text.
enum RuleParameterComparison {
    /// Whether a rule's `expected` values match `given`, the `n`th of which is of `types[n]` when known.
    static func matches(
        _ expected: [String?], _ given: [String?], types: [PostgresType?], settings: [String: String]
    ) -> Bool {
        guard expected.count == given.count else { return false }
        if expected == given { return true }
        var evaluator: ConstantEvaluator?
        for (index, (rule, value)) in zip(expected, given).enumerated() where rule != value {
            guard let rule, let value, index < types.count, let type = types[index], type != .text else { return false }
            if evaluator == nil {
                evaluator = ConstantEvaluator(
                    settings: [:], parameters: [], parameterTypes: [], serverVersion: "",
                    output: OutputSettings(settings))
            }
            guard let expectedValue = canonical(rule, as: type, evaluator!),
                expectedValue == canonical(value, as: type, evaluator!)
            else { return false }
        }
        return true
    }

    /// `text` read as a value of `type` and printed in its comparable form (a numeric without its trailing zeros);
    /// `nil` when it is not a value of the type, or the type is not computed.
    private static func canonical(_ text: String, as type: PostgresType, _ evaluator: ConstantEvaluator) -> String? {
        guard let value = try? evaluator.cast(EvaluatedValue(text: text, type: .text), to: type),
            var printed = value.text
        else { return nil }
        if type == .numeric, printed.contains("."), !printed.contains("e"), !printed.contains("E") {
            while printed.hasSuffix("0") { printed.removeLast() }
            if printed.hasSuffix(".") { printed.removeLast() }
        }
        return printed
    }
}
