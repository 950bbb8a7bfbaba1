extension ConstantEvaluator {
    /// The type PostgreSQL's `select_common_type` resolves for values that must have one (the results of CASE, the
    /// arguments of COALESCE, GREATEST and LEAST; `literals` says which are of type `unknown`): text when all are
    /// unknown, else the first typed one, replaced by a later one of its category it casts to implicitly and not
    /// back (numbers: int2 < int4 < int8 < numeric < float4 < float8; date < timestamp < timestamptz; a varchar or
    /// char before a name is a name, text stays text); types of different categories are PostgreSQL's 42804 (`CASE types integer
    /// and boolean cannot be matched`), other mixes are not answered.
    func commonType(of values: [EvaluatedValue], literals: [Bool], context: String) throws(Failure)
        -> PostgresType
    {
        let types = zip(values, literals).filter { !$0.1 }.map(\.0.type)
        guard var common = types.first else { return .text }
        for type in types.dropFirst() where type != common {
            let category = Self.category(of: common)
            guard category == Self.category(of: type) else {
                throw .error(
                    error(
                        "42804",
                        "\(context) types \(Self.sqlName(common)) and \(Self.sqlName(type)) cannot be matched"))
            }
            switch category {
            case "S":
                // text → name and name → text are both implicit; varchar → name and char → name only one way.
                if type == .name && common != .text { common = .name }
            case "N", "D":
                let order = category == "N" ? Self.numericTypes : [.date, .timestamp, .timestamptz]
                if let from = order.firstIndex(of: common), let to = order.firstIndex(of: type), to > from {
                    common = type
                }
            default:
                throw .unsupported
            }
        }
        return common
    }

    /// PostgreSQL's `typcategory` of a type the evaluator computes (`nil` for others).
    static func category(of type: PostgresType) -> String? {
        switch type.name {
        case "bool": "B"
        case "int2", "int4", "int8", "numeric", "float4", "float8": "N"
        case "text", "varchar", "bpchar", "name": "S"
        case "date", "timestamp", "timestamptz": "D"
        case "bytea", "uuid": "U"
        default: nil
        }
    }
}
