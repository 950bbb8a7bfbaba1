extension ConstantEvaluator {
    /// `NULLIF(a, b)`: NULL when `a = b`, else `a` as the type of the `=` operator's left input (an untyped literal
    /// read as the other's type; varchar as text; numeric with an integer). Mixes whose operator the evaluator does
    /// not resolve exactly are not answered.
    func nullIf(_ a: EvaluatedValue, _ b: EvaluatedValue, literals: [Bool]) throws(Failure) -> EvaluatedValue {
        let left = literals[0] && !literals[1] ? try cast(a, to: b.type) : a
        let right = literals[1] && !literals[0] ? try cast(b, to: a.type) : b
        let integers: Set<PostgresType> = [.int2, .int4, .int8]
        let floats: Set<PostgresType> = [.float4, .float8]
        let types: Set = [left.type, right.type]
        let type: PostgresType
        switch left.type {
        case right.type where left.type == .varchar: type = .text
        case right.type: type = left.type
        case _ where types.isSubset(of: integers) || types.isSubset(of: floats): type = left.type
        case _ where types.isSubset(of: integers.union([.numeric])): type = .numeric
        default: throw .unsupported
        }
        let equal = try operation("=", left, right).text == "t"
        return equal ? EvaluatedValue(text: nil, type: type) : try coerced(left, to: type)
    }

    /// `GREATEST(…)` or `LEAST(…)`: the arguments as their ``commonType(of:literals:context:)``, the largest or
    /// smallest of those not NULL (NULL when all are).
    func extreme(_ arguments: [EvaluatedValue], literals: [Bool], greatest: Bool) throws(Failure) -> EvaluatedValue {
        let type = try commonType(of: arguments, literals: literals, context: greatest ? "GREATEST" : "LEAST")
        var result = EvaluatedValue(text: nil, type: type)
        for argument in arguments {
            let value = try coerced(argument, to: type)
            guard value.text != nil else { continue }
            if result.text == nil {
                result = value
            } else if try operation(greatest ? ">" : "<", value, result).text == "t" {
                result = value
            }
        }
        return result
    }
}
