/// Sizes of PostgreSQL's built-in data types by OID, as in `pg_type.typlen`: what PostgreSQL sends as a
/// RowDescription column's type size.
public enum PostgresTypeSizes {
    /// The fixed-width built-in types and `cstring`/`unknown` (-2); every other built-in type is variable-width (-1).
    /// Read from PostgreSQL 15's `pg_type`.
    private static let sizes: [UInt32: Int16] = [
        16: 1, 18: 1, 19: 64, 20: 8, 21: 2, 23: 4, 24: 4, 26: 4, 27: 6, 28: 4, 29: 4, 600: 16, 601: 32, 603: 32,
        628: 24, 700: 4, 701: 8, 705: -2, 718: 24, 774: 8, 790: 8, 829: 6, 1033: 12, 1082: 4, 1083: 8, 1114: 8,
        1184: 8, 1186: 16, 1266: 12, 2202: 4, 2203: 4, 2204: 4, 2205: 4, 2206: 4, 2275: -2, 2276: 4, 2278: 4,
        2279: 4, 2283: 4, 2950: 16, 3220: 8, 3734: 4, 4089: 4, 4096: 4, 5069: 8,
    ]

    /// The type's size (`pg_type.typlen`): the width in bytes of a fixed-width type, -1 for a variable-width type
    /// and for types that are not built in (whose size is not known here), -2 for a null-terminated one.
    public static func size(forOID oid: UInt32) -> Int16 {
        sizes[oid] ?? -1
    }
}
