/// The command tags PostgreSQL 15 completes statements with, from libpg_query's parse tree: what
/// `CreateCommandTag` (src/backend/tcop/utility.c) gives each node type, with no rows affected.
enum CommandTags {
    /// The tag of a statement of node `type` with `fields` (`CreateTrigStmt` → `CREATE TRIGGER`).
    static func tag(of type: String, _ fields: ParseTreeNode) -> String {
        if let tag = fixed[type] { return tag }
        switch type {
        case "VariableSetStmt":
            return fields["kind"]?.string == "VAR_RESET" || fields["kind"]?.string == "VAR_RESET_ALL" ? "RESET" : "SET"
        case "CreateTableAsStmt":
            // Filled (the usual case): the rows it wrote, which a mock cannot count; WITH NO DATA: the object made.
            guard fields["into"]?["skipData"]?.bool == true else { return "SELECT 0" }
            return fields["objtype"]?.string == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS"
        case "DropStmt": return "DROP " + objectWords(fields["removeType"]?.string)
        case "AlterTableStmt", "AlterTableMoveAllStmt": return "ALTER " + objectWords(fields["objtype"]?.string)
        case "AlterObjectSchemaStmt", "AlterOwnerStmt", "AlterObjectDependsStmt":
            return "ALTER " + objectWords(fields["objectType"]?.string)
        case "RenameStmt":
            // A renamed column is its relation's (ALTER TABLE, ALTER VIEW…), as PostgreSQL tags it.
            let renamed = fields["renameType"]?.string
            return "ALTER " + objectWords(renamed == "OBJECT_COLUMN" ? fields["relationType"]?.string : renamed)
        case "AlterFunctionStmt": return "ALTER " + objectWords(fields["objtype"]?.string ?? "OBJECT_FUNCTION")
        case "DefineStmt": return "CREATE " + objectWords(fields["kind"]?.string)
        case "CreateFunctionStmt": return fields["is_procedure"]?.bool == true ? "CREATE PROCEDURE" : "CREATE FUNCTION"
        case "GrantStmt": return fields["is_grant"]?.bool == true ? "GRANT" : "REVOKE"
        case "GrantRoleStmt": return fields["is_grant"]?.bool == true ? "GRANT ROLE" : "REVOKE ROLE"
        case "FetchStmt": return fields["ismove"]?.bool == true ? "MOVE 0" : "FETCH 0"
        case "ClosePortalStmt": return fields["portalname"] == nil ? "CLOSE CURSOR ALL" : "CLOSE CURSOR"
        case "TransactionStmt": return transactionTag(fields["kind"]?.string)
        case "DiscardStmt": return "DISCARD " + (fields["target"]?.string ?? "DISCARD_ALL").dropFirst(8)
        case "DeallocateStmt": return fields["name"] == nil ? "DEALLOCATE ALL" : "DEALLOCATE"
        case "VacuumStmt": return fields["is_vacuumcmd"]?.bool == true ? "VACUUM" : "ANALYZE"
        default:
            // The rest are their node's name without "Stmt", split at capitals: CreateCastStmt → CREATE CAST.
            return type.replacing("Stmt", with: "").reduce(into: "") { tag, character in
                if character.isUppercase && !tag.isEmpty { tag.append(" ") }
                tag.append(character.uppercased())
            }
        }
    }

    /// `tag`, a statement's tag with no rows (``tag(of:_:)``), for `rows` rows, as PostgreSQL counts them:
    /// `INSERT 0 0` → `INSERT 0 1`, `UPDATE 0` → `UPDATE 1`; a tag without a count (`EXPLAIN`) stays as it is.
    static func tag(_ tag: String, rows: Int) -> String {
        guard tag.hasSuffix(" 0") else { return tag }
        return tag.dropLast() + String(rows)
    }

    /// Node types whose tag does not depend on their fields and is not their name split at capitals.
    private static let fixed: [String: String] = [
        "SelectStmt": "SELECT 0", "InsertStmt": "INSERT 0 0", "UpdateStmt": "UPDATE 0", "DeleteStmt": "DELETE 0",
        "MergeStmt": "MERGE 0", "CopyStmt": "COPY 0", "VariableShowStmt": "SHOW", "CreateStmt": "CREATE TABLE",
        "IndexStmt": "CREATE INDEX", "ViewStmt": "CREATE VIEW", "TruncateStmt": "TRUNCATE TABLE",
        "LockStmt": "LOCK TABLE",
        "CreatedbStmt": "CREATE DATABASE", "DropdbStmt": "DROP DATABASE",
        "AlterDatabaseSetStmt": "ALTER DATABASE", "AlterDatabaseRefreshCollStmt": "ALTER DATABASE",
        "CreateSeqStmt": "CREATE SEQUENCE", "AlterSeqStmt": "ALTER SEQUENCE", "CreateTrigStmt": "CREATE TRIGGER",
        "CreateEventTrigStmt": "CREATE EVENT TRIGGER", "AlterEventTrigStmt": "ALTER EVENT TRIGGER",
        "CompositeTypeStmt": "CREATE TYPE", "CreateEnumStmt": "CREATE TYPE", "CreateRangeStmt": "CREATE TYPE",
        "AlterEnumStmt": "ALTER TYPE", "RuleStmt": "CREATE RULE", "CreateFdwStmt": "CREATE FOREIGN DATA WRAPPER",
        "AlterFdwStmt": "ALTER FOREIGN DATA WRAPPER", "CreateForeignServerStmt": "CREATE SERVER",
        "AlterForeignServerStmt": "ALTER SERVER", "CreateStatsStmt": "CREATE STATISTICS",
        "AlterStatsStmt": "ALTER STATISTICS", "CreateOpClassStmt": "CREATE OPERATOR CLASS",
        "CreateOpFamilyStmt": "CREATE OPERATOR FAMILY", "AlterOpFamilyStmt": "ALTER OPERATOR FAMILY",
        "CheckPointStmt": "CHECKPOINT",
        "CreateAmStmt": "CREATE ACCESS METHOD", "CreatePLangStmt": "CREATE LANGUAGE",
        "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW", "SecLabelStmt": "SECURITY LABEL",
        "CreateTableSpaceStmt": "CREATE TABLESPACE", "DropTableSpaceStmt": "DROP TABLESPACE",
        "AlterTableSpaceOptionsStmt": "ALTER TABLESPACE", "AlterRoleSetStmt": "ALTER ROLE",
        "AlterTSDictionaryStmt": "ALTER TEXT SEARCH DICTIONARY",
        "AlterTSConfigurationStmt": "ALTER TEXT SEARCH CONFIGURATION", "AlterExtensionContentsStmt": "ALTER EXTENSION",
        "ConstraintsSetStmt": "SET CONSTRAINTS", "DeclareCursorStmt": "DECLARE CURSOR",
    ]

    /// What a statement names an object of `objectType` (`OBJECT_MATVIEW` → `MATERIALIZED VIEW`) in its tag.
    static func objectWords(_ objectType: String?) -> String {
        let name = String((objectType ?? "OBJECT_TABLE").dropFirst(7))
        switch name {
        case "MATVIEW": return "MATERIALIZED VIEW"
        case "FDW": return "FOREIGN DATA WRAPPER"
        case "FOREIGN_SERVER": return "SERVER"
        case "STATISTIC_EXT": return "STATISTICS"
        case "OPCLASS": return "OPERATOR CLASS"
        case "OPFAMILY": return "OPERATOR FAMILY"
        case "TSCONFIGURATION": return "TEXT SEARCH CONFIGURATION"
        case "TSDICTIONARY": return "TEXT SEARCH DICTIONARY"
        case "TSPARSER": return "TEXT SEARCH PARSER"
        case "TSTEMPLATE": return "TEXT SEARCH TEMPLATE"
        case "LARGEOBJECT": return "LARGE OBJECT"
        case "COLUMN", "TABCONSTRAINT": return "TABLE"
        case "ATTRIBUTE": return "TYPE"
        case "DOMCONSTRAINT": return "DOMAIN"
        default: return name.replacing("_", with: " ")
        }
    }

    private static func transactionTag(_ kind: String?) -> String {
        switch kind {
        case "TRANS_STMT_START": "START TRANSACTION"
        case "TRANS_STMT_COMMIT": "COMMIT"
        case "TRANS_STMT_ROLLBACK", "TRANS_STMT_ROLLBACK_TO": "ROLLBACK"
        case "TRANS_STMT_SAVEPOINT": "SAVEPOINT"
        case "TRANS_STMT_RELEASE": "RELEASE"
        case "TRANS_STMT_PREPARE": "PREPARE TRANSACTION"
        case "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED"
        case "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED"
        default: "BEGIN"
        }
    }
}
