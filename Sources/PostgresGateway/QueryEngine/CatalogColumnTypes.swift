/// The types of common catalog columns (`pg_catalog`, `information_schema`), so that an empty catalog result
/// describes its columns as PostgreSQL would; other columns are `text`.
enum CatalogColumnTypes {
    private static let names: [String: String] = {
        var table: [String: String] = [:]
        for column in [
            "oid", "typelem", "typarray", "typrelid", "typbasetype", "typnamespace", "relnamespace", "reltype",
            "relowner", "attrelid", "atttypid", "datdba", "nspowner", "proowner", "pronamespace", "prorettype",
            "indexrelid", "indrelid", "conrelid", "confrelid", "contypid", "enumtypid", "inhrelid", "inhparent",
            "objoid", "classoid", "refobjid", "refclassid", "extnamespace", "roleid", "member", "grantor",
            "typcollation", "collnamespace", "reltoastrelid", "rngsubtype", "rngtypid", "typowner", "castsource",
            "casttarget",
        ] {
            table[column] = "oid"
        }
        for column in [
            "typname", "relname", "nspname", "attname", "datname", "rolname", "proname", "conname", "extname",
            "usename", "collname", "tablename", "schemaname", "indexname", "viewname", "enumlabel", "tgname",
            "table_name", "table_schema", "column_name", "table_catalog", "schema_name", "current_user",
            "session_user", "current_database",
        ] {
            table[column] = "name"
        }
        for column in [
            "rolsuper", "rolinherit", "rolcreaterole", "rolcreatedb", "rolcanlogin", "rolreplication",
            "rolbypassrls", "attnotnull", "atthasdef", "attisdropped", "relhasindex", "relispartition",
            "relhastriggers", "relhasrules", "relrowsecurity", "relforcerowsecurity", "indisunique", "indisprimary",
            "indisclustered", "indisvalid", "indisexclusion", "indimmediate", "typnotnull", "typisdefined",
            "datallowconn", "datistemplate", "condeferrable", "condeferred", "convalidated", "proretset",
            "proisstrict", "usesuper", "exists", "pg_table_is_visible", "pg_type_is_visible",
            "has_table_privilege", "has_schema_privilege", "has_database_privilege", "pg_is_in_recovery",
        ] {
            table[column] = "bool"
        }
        for column in ["attnum", "typlen", "indnatts", "indnkeyatts", "pronargs", "relnatts", "attndims"] {
            table[column] = "int2"
        }
        for column in [
            "atttypmod", "typtypmod", "rolconnlimit", "datconnlimit", "typndims", "encoding", "enumsortorder",
            "relpages", "ordinal_position",
        ] {
            table[column] = "int4"
        }
        for column in [
            "relkind", "typtype", "typcategory", "typdelim", "typalign", "typstorage", "relpersistence",
            "relreplident", "contype", "prokind", "provolatile", "attidentity", "attgenerated", "attalign",
            "attstorage", "deptype", "confupdtype", "confdeltype", "confmatchtype", "partstrat",
        ] {
            table[column] = "char"
        }
        table["reltuples"] = "float4"
        table["count"] = "int8"
        table["n"] = "int4"
        table["indkey"] = "int2vector"
        table["proargtypes"] = "oidvector"
        table["conkey"] = "_int2"
        table["confkey"] = "_int2"
        table["relacl"] = "_aclitem"
        table["datacl"] = "_aclitem"
        table["nspacl"] = "_aclitem"
        table["rolvaliduntil"] = "timestamptz"
        table["typdefault"] = "text"
        table["relam"] = "oid"
        return table
    }()

    /// The type of a select-list entry of a catalog query: a cast's type, a known column's or function's, or
    /// `text`.
    static func type(of target: StatementKind.SelectTarget) -> PostgresType {
        switch target.expression {
        case .cast(_, let type?, _, _): return type
        case .bool: return .bool
        case .integer(let value): return Int32(exactly: value) == nil ? .int8 : .int4
        case .other("exists"): return .bool
        default: break
        }
        let name = target.expression.columnName == "?column?" ? target.name : target.expression.columnName
        return names[name].flatMap(PostgresType.named) ?? names[target.name].flatMap(PostgresType.named)
            ?? .text
    }
}
