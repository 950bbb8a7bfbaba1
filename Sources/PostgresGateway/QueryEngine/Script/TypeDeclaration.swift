/// A column or parameter type as a script writes it, read by PostgreSQL's grammar (libpg_query): `int4`,
/// `integer`, `pg_catalog.int4`, `numeric(10,2)`, `character varying(100)`, `"char"`, `timestamp(3) with time zone`,
/// `text[]`, `_int4`.
struct TypeDeclaration: Sendable, Hashable {
    /// The type.
    var type: PostgresType
    /// The type's modifiers as written (`numeric(10,2)`: `[10, 2]`; `char` alone: `[1]`).
    var modifiers: [Int]
    /// The type modifier PostgreSQL's `typmodin` makes of them, as RowDescription and `pg_attribute.atttypmod` give
    /// it (`varchar(100)`: 104); -1 for none.
    var typeModifier: Int32

    /// The type `text` names, or why it names none.
    static func read(_ text: String) -> Result<TypeDeclaration, TypeDeclarationError> {
        // The name alone as the target of a cast: a statement of more than that is not a type name.
        let tree = try? SQLParser.parseTree("select null::" + text)
        let statements = tree?["stmts"]?.elements ?? []
        guard statements.count == 1, let select = statements[0]["stmt"]?["SelectStmt"],
            case .object(let clauses) = select, Set(clauses.keys).isSubset(of: ["targetList", "limitOption", "op"]),
            let targets = clauses["targetList"]?.elements, targets.count == 1,
            let value = targets[0]["ResTarget"]?["val"], value["TypeCast"] != nil,
            case .cast(.null, let type, _, let modifiers) = SQLExpression(value)
        else { return .failure(.unknown) }
        guard let type else { return .failure(.unknown) }
        guard let typeModifier = typeModifier(of: type, modifiers) else {
            return .failure(.invalidModifiers(type.name))
        }
        return .success(TypeDeclaration(type: type, modifiers: modifiers, typeModifier: typeModifier))
    }

    /// What `typmodin` of `type` (of its elements, for an array) makes of `modifiers`, or `nil` when PostgreSQL
    /// refuses them (or they are of a type whose modifiers are not computed here).
    static func typeModifier(of type: PostgresType, _ modifiers: [Int]) -> Int32? {
        guard !modifiers.isEmpty else { return -1 }
        let name = type.name.hasPrefix("_") ? String(type.name.dropFirst()) : type.name
        switch (name, modifiers.count) {
        case ("varchar", 1), ("bpchar", 1):
            // The length plus the 4-byte header (VARHDRSZ).
            guard (1...10_485_760).contains(modifiers[0]) else { return nil }
            return Int32(modifiers[0] + 4)
        case ("numeric", 1), ("numeric", 2):
            let (precision, scale) = (modifiers[0], modifiers.count == 2 ? modifiers[1] : 0)
            guard (1...1000).contains(precision), (-1000...1000).contains(scale) else { return nil }
            return Int32((precision << 16 | scale & 0x7FF) + 4)
        case ("time", 1), ("timetz", 1), ("timestamp", 1), ("timestamptz", 1):
            guard (0...6).contains(modifiers[0]) else { return nil }
            return Int32(modifiers[0])
        case ("bit", 1), ("varbit", 1):
            guard (1...Int(Int32.max)).contains(modifiers[0]) else { return nil }
            return Int32(modifiers[0])
        case ("interval", 1), ("interval", 2):
            // The grammar gives the fields (a bit mask, 0x7FFF for all) and the precision of the seconds.
            let (range, precision) = (modifiers[0], modifiers.count == 2 ? modifiers[1] : 0xFFFF)
            guard (0...0x7FFF).contains(range), precision == 0xFFFF || (0...6).contains(precision) else { return nil }
            return modifiers.count == 1 && range == 0x7FFF ? -1 : Int32(range << 16 | precision)
        default:
            return nil
        }
    }
}
