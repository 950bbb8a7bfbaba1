extension ParsedStatement {
    /// The name of a statement PostgreSQL 15 refuses inside a transaction block (its `PreventInTransactionBlock`
    /// calls), as its 25001 error names it; `nil` for other statements.
    static func transactionBlockRefusal(of type: String, _ fields: ParseTreeNode) -> String? {
        /// Whether the `DefElem` list `list` has an option named `name`.
        func hasOption(_ list: ParseTreeNode?, _ name: String) -> Bool {
            (list?.elements ?? []).contains { $0["DefElem"]?["defname"]?.string == name }
        }
        switch type {
        case "VacuumStmt": return fields["is_vacuumcmd"]?.bool == true ? "VACUUM" : nil
        case "CreatedbStmt": return "CREATE DATABASE"
        case "DropdbStmt": return "DROP DATABASE"
        case "AlterDatabaseStmt":
            return hasOption(fields["options"], "tablespace") ? "ALTER DATABASE SET TABLESPACE" : nil
        case "CreateTableSpaceStmt": return "CREATE TABLESPACE"
        case "DropTableSpaceStmt": return "DROP TABLESPACE"
        case "AlterSystemStmt": return "ALTER SYSTEM"
        case "DiscardStmt": return fields["target"]?.string == "DISCARD_ALL" ? "DISCARD ALL" : nil
        case "ClusterStmt": return fields["relation"] == nil ? "CLUSTER" : nil
        case "IndexStmt": return fields["concurrent"]?.bool == true ? "CREATE INDEX CONCURRENTLY" : nil
        case "DropStmt":
            return fields["concurrent"]?.bool == true && fields["removeType"]?.string == "OBJECT_INDEX"
                ? "DROP INDEX CONCURRENTLY" : nil
        case "ReindexStmt":
            if hasOption(fields["params"], "concurrently") { return "REINDEX CONCURRENTLY" }
            switch fields["kind"]?.string {
            case "REINDEX_OBJECT_SCHEMA": return "REINDEX SCHEMA"
            case "REINDEX_OBJECT_DATABASE": return "REINDEX DATABASE"
            case "REINDEX_OBJECT_SYSTEM": return "REINDEX SYSTEM"
            default: return nil
            }
        case "TransactionStmt":
            switch fields["kind"]?.string {
            case "TRANS_STMT_COMMIT_PREPARED": return "COMMIT PREPARED"
            case "TRANS_STMT_ROLLBACK_PREPARED": return "ROLLBACK PREPARED"
            default: return nil
            }
        default:
            return nil
        }
    }
}
