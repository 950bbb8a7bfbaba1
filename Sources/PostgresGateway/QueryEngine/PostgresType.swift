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
    public static let oidType = PostgresType(name: "oid", oid: 26)
    public static let float4 = PostgresType(name: "float4", oid: 700)
    public static let float8 = PostgresType(name: "float8", oid: 701)
    public static let numeric = PostgresType(name: "numeric", oid: 1700)
    public static let timestamptz = PostgresType(name: "timestamptz", oid: 1184)
    public static let void = PostgresType(name: "void", oid: 2278)

    /// The types known by name, with the SQL spellings the parser leaves (`int` is `pg_catalog.int4`).
    static let byName: [String: PostgresType] = {
        let types: [(String, UInt32)] = [
            ("bool", 16), ("bytea", 17), ("char", 18), ("name", 19), ("int8", 20), ("int2", 21), ("int2vector", 22),
            ("int4", 23), ("regproc", 24), ("text", 25), ("oid", 26), ("xid", 28), ("oidvector", 30), ("json", 114),
            ("xml", 142), ("float4", 700), ("float8", 701), ("unknown", 705), ("money", 790), ("inet", 869),
            ("_bool", 1000), ("_int2", 1005), ("_int4", 1007), ("_text", 1009), ("_int8", 1016), ("_float8", 1022),
            ("_oid", 1028), ("aclitem", 1033), ("_aclitem", 1034), ("bpchar", 1042), ("varchar", 1043),
            ("date", 1082), ("time", 1083), ("timestamp", 1114), ("timestamptz", 1184), ("interval", 1186),
            ("timetz", 1266), ("bit", 1560), ("varbit", 1562), ("numeric", 1700), ("regclass", 2205),
            ("regtype", 2206), ("record", 2249), ("cstring", 2275), ("any", 2276), ("void", 2278), ("uuid", 2950),
            ("pg_lsn", 3220), ("jsonb", 3802), ("regnamespace", 4089), ("regrole", 4096), ("xid8", 5069),
        ]
        var table = Dictionary(uniqueKeysWithValues: types.map { ($0.0, PostgresType(name: $0.0, oid: $0.1)) })
        let aliases = [
            "integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
            "double precision": "float8", "boolean": "bool", "decimal": "numeric", "character varying": "varchar",
            "character": "bpchar", "timestamp with time zone": "timestamptz",
            "timestamp without time zone": "timestamp",
        ]
        for (alias, name) in aliases { table[alias] = table[name] }
        return table
    }()

    /// The known type with this OID (as a RowDescription gives it), or `nil`.
    public static func known(oid: UInt32) -> PostgresType? {
        byName.values.first { $0.oid == oid }
    }

    /// The type a parse tree's TypeName names (`pg_catalog.int4`, `varchar`, `text[]`), or `nil` when unknown.
    static func named(_ names: [String], isArray: Bool = false) -> PostgresType? {
        guard let last = names.last?.lowercased() else { return nil }
        return byName[isArray ? "_" + last : last]
    }
}
