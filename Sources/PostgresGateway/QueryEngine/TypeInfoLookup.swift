import PostgresWire

/// asyncpg's type introspection (`asyncpg.introspection.INTRO_LOOKUP_TYPES`: `WITH RECURSIVE typeinfo_tree(oid,
/// ns, name, kind, basetype, elemtype, elemdelim, range_subtype, attrtypoids, attrnames, depth) … where ti.oid =
/// any($1::oid[])`), which asyncpg sends for every type it has no built-in codec for (arrays, ranges) before it
/// can bind or read such a value. Answered for PostgreSQL's built-in types as PostgreSQL 15 answers it: each type
/// asked for at depth 0, then its element type (arrays) or subtype (ranges) one level deeper, deepest first.
/// Types that are not built in (enums, composites, domains) get no row, so asyncpg reports them unknown.
enum TypeInfoLookup {
    /// The names of the common table expression's columns, by which the statement is recognised.
    static let treeColumns = [
        "oid", "ns", "name", "kind", "basetype", "elemtype", "elemdelim", "range_subtype", "attrtypoids",
        "attrnames", "depth",
    ]

    /// The result's columns, typed as PostgreSQL types them.
    static let columns: [ResultColumn] = [
        ("oid", "oid"), ("ns", "name"), ("name", "name"), ("kind", "char"), ("basetype", "oid"),
        ("elemtype", "oid"), ("elemdelim", "char"), ("range_subtype", "oid"), ("attrtypoids", "_oid"),
        ("attrnames", "_text"), ("depth", "int4"), ("basetype_name", "text"), ("elemtype_name", "text"),
        ("range_subtype_name", "text"),
    ].map { name, type in ResultColumn(name: name, type: PostgresType.named(type)!) }

    /// `pg_type.typelem` of the built-in types other than arrays that have one.
    private static let elementsOfNonArrays: [String: String] = [
        "name": "char", "int2vector": "int2", "oidvector": "oid", "point": "float8", "lseg": "point",
        "box": "point", "line": "float8",
    ]

    /// `pg_range.rngsubtype` of the built-in range types.
    private static let rangeSubtypes: [String: String] = [
        "int4range": "int4", "int8range": "int8", "numrange": "numeric", "tsrange": "timestamp",
        "tstzrange": "timestamptz", "daterange": "date",
    ]

    /// The pseudo-types (`pg_type.typtype` `p`).
    private static let pseudoTypes: Set<String> = [
        "record", "_record", "cstring", "any", "anyarray", "void", "trigger", "anyelement", "unknown",
    ]

    /// The answer for the OIDs of `oids`, the statement's `$1` in `oid[]`'s text form (`{1007,3904}`); NULL or
    /// an unreadable list asks for none.
    static func outcome(oids: String?) -> QueryOutcome {
        let requested = oids.flatMap(ArrayLiteral.elements(of:))?.compactMap { $0.flatMap { UInt32($0) } } ?? []
        // Each (type, depth) once, as the statement's SELECT DISTINCT over rows that include the depth.
        var seen: Set<[UInt32]> = []
        var level = requested.compactMap(PostgresType.known(oid:))
        var levels: [[PostgresType]] = []
        while !level.isEmpty {
            let depth = UInt32(levels.count)
            level = level.filter { seen.insert([$0.oid, depth]).inserted }
            levels.append(level)
            level = level.compactMap { type in
                guard let inner = element(of: type) ?? rangeSubtypes[type.name].flatMap(PostgresType.named) else {
                    return nil
                }
                return inner
            }
        }
        let rows = levels.enumerated().reversed().flatMap { depth, types in types.map { row(for: $0, depth: depth) } }
        return .result(columns: columns, rows: rows, tag: "SELECT \(rows.count)")
    }

    /// `pg_type.typelem`'s type, `nil` for 0.
    private static func element(of type: PostgresType) -> PostgresType? {
        if type.name.hasPrefix("_") { return PostgresType.named(String(type.name.dropFirst())) }
        return elementsOfNonArrays[type.name].flatMap(PostgresType.named)
    }

    /// One row of the answer.
    private static func row(for type: PostgresType, depth: Int) -> [String?] {
        let element = element(of: type)
        let subtype = rangeSubtypes[type.name].flatMap(PostgresType.named)
        let kind = subtype != nil ? "r" : pseudoTypes.contains(type.name) ? "p" : "b"
        // The delimiter comes from a join on variable-width types with an element (arrays).
        let delimiter = element != nil && PostgresTypeSizes.size(forOID: type.oid) == -1 ? "," : nil
        return [
            String(type.oid), "pg_catalog", type.name, kind, nil, String(element?.oid ?? 0), delimiter,
            subtype.map { String($0.oid) }, nil, nil, String(depth), nil,
            element.map(ConstantEvaluator.sqlName) ?? "-", subtype.map(ConstantEvaluator.sqlName),
        ]
    }
}
