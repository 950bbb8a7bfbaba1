extension PostgresType {
    /// The type as a script's column `type:` names it with `typeModifier` (a RowDescription's), as PostgreSQL's
    /// `format_type` writes it: `numeric(5,2)`, `varchar(10)`, `char(3)`, `timestamptz(3)`, `bit(4)`, `numeric(5,2)[]`
    /// for an array, `"char"` for PostgreSQL's one-byte type; the name alone without a modifier (-1) or for a modifier this does not spell (an interval's
    /// fields: `interval day to second`).
    /// ``TypeDeclaration/read(_:)`` reads it back to the same type and modifier.
    public func declaration(typeModifier: Int32) -> String {
        // PostgreSQL's one-byte "char" is quoted: the grammar reads `char` as SQL's char(1) (bpchar).
        if name == "char" || name == "_char" { return name == "char" ? #""char""# : #""char"[]"# }
        guard typeModifier >= 0 else { return name }
        let isArray = name.hasPrefix("_")
        let element = isArray ? String(name.dropFirst()) : name
        let spelled: String
        switch element {
        case "varchar" where typeModifier >= 5: spelled = "varchar(\(typeModifier - 4))"
        case "bpchar" where typeModifier >= 5: spelled = "char(\(typeModifier - 4))"
        case "numeric" where typeModifier >= 4:
            let packed = typeModifier - 4
            // The scale is 11 bits, signed (PostgreSQL 15 allows a negative scale).
            let scale = ((packed & 0x7FF) ^ 1024) - 1024
            spelled = "numeric(\(packed >> 16 & 0xFFFF),\(scale))"
        case "time", "timetz", "timestamp", "timestamptz", "bit", "varbit":
            spelled = "\(element)(\(typeModifier))"
        case "interval" where typeModifier >> 16 == 0x7FFF && typeModifier & 0xFFFF <= 6:
            // All fields, with the precision of the seconds (other field sets are not spelled).
            spelled = "interval(\(typeModifier & 0xFFFF))"
        default: return name
        }
        return isArray ? spelled + "[]" : spelled
    }
}
