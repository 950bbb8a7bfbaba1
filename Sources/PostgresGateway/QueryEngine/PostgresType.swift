import PostgresWire

/// A PostgreSQL data type the query engine can describe: its name (as `format_type` shows it) and OID.
public struct PostgresType: Sendable, Hashable {
    /// The type's name, such as `int4`.
    public var name: String
    /// The type's OID in PostgreSQL's catalog, such as 23.
    public var oid: UInt32

    /// A type by name and OID.
    public init(name: String, oid: UInt32) {
        self.name = name
        self.oid = oid
    }

    public static let bool = PostgresType(name: "bool", oid: 16)
    public static let bytea = PostgresType(name: "bytea", oid: 17)
    public static let name = PostgresType(name: "name", oid: 19)
    public static let int8 = PostgresType(name: "int8", oid: 20)
    public static let int2 = PostgresType(name: "int2", oid: 21)
    public static let int4 = PostgresType(name: "int4", oid: 23)
    public static let text = PostgresType(name: "text", oid: 25)
    public static let bpchar = PostgresType(name: "bpchar", oid: 1042)
    public static let varchar = PostgresType(name: "varchar", oid: 1043)
    public static let date = PostgresType(name: "date", oid: 1082)
    public static let timestamp = PostgresType(name: "timestamp", oid: 1114)
    public static let oidType = PostgresType(name: "oid", oid: 26)
    public static let float4 = PostgresType(name: "float4", oid: 700)
    public static let float8 = PostgresType(name: "float8", oid: 701)
    public static let numeric = PostgresType(name: "numeric", oid: 1700)
    public static let timestamptz = PostgresType(name: "timestamptz", oid: 1184)
    public static let time = PostgresType(name: "time", oid: 1083)
    public static let timetz = PostgresType(name: "timetz", oid: 1266)
    public static let void = PostgresType(name: "void", oid: 2278)

    /// The SQL spellings of built-in types that the parser leaves as they are written (`integer` in a script; the
    /// parser itself turns `int` into `pg_catalog.int4`).
    private static let aliases = [
        "integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
        "double precision": "float8", "boolean": "bool", "decimal": "numeric", "character varying": "varchar",
        "character": "bpchar", "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    ]

    /// The built-in type with this name (`pg_type.typname`, `_int4` for arrays) or SQL spelling (`integer`), from
    /// PostgresWire's table of built-in types; `nil` for others.
    static func named(_ name: String) -> PostgresType? {
        let name = aliases[name] ?? name
        guard name != "unspecified", let oid = PostgresTypeNames.oid(forName: name) else { return nil }
        return PostgresType(name: name, oid: oid)
    }

    /// The built-in type with this OID (as a RowDescription gives it), or `nil`.
    public static func known(oid: UInt32) -> PostgresType? {
        PostgresTypeNames.knownName(forOID: oid).map { PostgresType(name: $0, oid: oid) }
    }

    /// The type a parse tree's TypeName names (`pg_catalog.int4`, `varchar`, `text[]`), or `nil` when unknown.
    static func named(_ names: [String], isArray: Bool = false) -> PostgresType? {
        guard let last = names.last?.lowercased() else { return nil }
        guard isArray else { return named(last) }
        return named("_" + (aliases[last] ?? last))
    }
}
