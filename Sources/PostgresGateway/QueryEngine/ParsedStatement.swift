/// One statement as PostgreSQL's parser sees it: what it is and what its parameters are cast to.
struct ParsedStatement: Sendable {
    /// What the statement is.
    var kind: StatementKind
    /// The types of `$n` parameters that the statement itself gives, by number, as PostgreSQL infers them without
    /// a catalog: a cast (`$1::int`), else the other operand of an arithmetic or comparison operator with a type
    /// of its own (`$1 + 1`: int4), else the clause (`where $1`: bool; `limit $1`: int8).
    var parameterTypes: [Int: PostgresType]
    /// The highest `$n` in the statement (0 when it has none).
    var highestParameter: Int
    /// The command tag of the statement's node type, for results without rows.
    var tag: String
    /// The literal constants of the statement in text order (`nil` for NULL), which a script rule's `params`
    /// matches for a statement with its values written in (as psycopg2 and pgbench's simple mode send them).
    var constants: [String?] = []
    /// The types of ``constants``, where the statement gives one: a cast's (`'2024-01-01'::date`), else a literal's
    /// own (`1`: int4, `1.5`: numeric, `true`: bool); `nil` for an untyped string or NULL.
    var constantTypes: [PostgresType?] = []
    /// The answer to a SELECT of literals only (``ServerEmulationResponder/constantAnswer(to:)``), computed once for
    /// the statement, so a statement sent again (`select 1`) is not evaluated again; `nil` for other statements.
    var constantAnswer: QueryOutcome?
    /// Whether ``constantAnswer`` is the same whatever the session's output settings (``OutputSettings``).
    var constantAnswerIgnoresOutputSettings = false
    /// How many statements the parsed text holds (empty ones between semicolons not counted); the statement is the
    /// first. A prepared statement must hold one at most.
    var statementCount = 1
    /// The columns of the rows PostgreSQL returns for the statement as far as its text tells them (a RETURNING
    /// list, VALUES, EXPLAIN's `QUERY PLAN`; none known for `*` or FETCH), `nil` for a statement that never
    /// returns rows (VACUUM, CREATE, INSERT without RETURNING…): what an unmatched statement is answered with.
    var rowColumns: [ResultColumn]?

    /// The statement described by libpg_query's parse tree of one statement (`stmts[0].stmt`), `nil` for none.
    init(tree statement: ParseTreeNode?) {
        parameterTypes = [:]
        highestParameter = 0
        guard let (type, fields) = statement?.tagged else {
            kind = .empty
            tag = ""
            return
        }
        tag = Self.tag(of: type, fields)
        kind = Self.kind(of: type, fields, tag: tag)
        rowColumns = Self.rowColumns(of: type, fields)
        constantAnswer = ServerEmulationResponder.constantAnswer(to: kind)
        constantAnswerIgnoresOutputSettings =
            constantAnswer != nil
            && ServerEmulationResponder.constantAnswer(to: kind, output: .farthest) == constantAnswer
        var located: [(location: Int, value: String?, type: PostgresType?)] = []
        var contextTypes: [Int: PostgresType] = [:]
        collectParameters(in: fields, constants: &located, contextTypes: &contextTypes)
        located.sort { $0.location < $1.location }
        constants = located.map(\.value)
        constantTypes = located.map(\.type)
        parameterTypes.merge(contextTypes) { cast, _ in cast }
    }

    /// A statement too long to parse (see ``SQLParser/longestParsedStatement``): an unmatched statement.
    init(unparsedLength: Int) {
        kind = .other(tag: "SELECT 0")
        parameterTypes = [:]
        highestParameter = 0
        tag = "SELECT 0"
        rowColumns = []
    }

    /// Walks the tree for ParamRef nodes, casts of them (into ``parameterTypes``), the types their context gives
    /// them (into `contextTypes`) and constants.
    private mutating func collectParameters(
        in node: ParseTreeNode, constants: inout [(location: Int, value: String?, type: PostgresType?)],
        contextTypes: inout [Int: PostgresType]
    ) {
        switch node {
        case .object(let members):
            if let constant = members["A_Const"] {
                let (value, type): (String?, PostgresType?) =
                    switch SQLExpression(node) {
                    case .integer(let integer): (String(integer), Int32(exactly: integer) == nil ? .int8 : .int4)
                    case .numeric(let text): (text, .numeric)
                    case .string(let text): (text, nil)
                    case .bool(let bool): (bool ? "t" : "f", .bool)
                    default: (nil, nil)
                    }
                constants.append((constant["location"]?.integer ?? 0, value, type))
            }
            if let cast = members["TypeCast"], let number = cast["arg"]?["ParamRef"]?["number"]?.integer {
                let names = cast["typeName"]?["names"]?.names ?? []
                let isArray = !(cast["typeName"]?["arrayBounds"]?.elements.isEmpty ?? true)
                if parameterTypes[number] == nil, let type = PostgresType.named(names, isArray: isArray) {
                    parameterTypes[number] = type
                }
            }
            if let number = members["ParamRef"]?["number"]?.integer { highestParameter = max(highestParameter, number) }
            Self.inferParameterTypes(from: members, into: &contextTypes)
            for member in members.values {
                collectParameters(in: member, constants: &constants, contextTypes: &contextTypes)
            }
            // A cast constant (collected just above) is of the cast's type.
            if let cast = members["TypeCast"], let location = cast["arg"]?["A_Const"]?["location"]?.integer,
                let index = constants.lastIndex(where: { $0.location == location }),
                let type = PostgresType.named(
                    cast["typeName"]?["names"]?.names ?? [],
                    isArray: !(cast["typeName"]?["arrayBounds"]?.elements.isEmpty ?? true))
            {
                constants[index].type = type
            }
        case .array(let elements):
            for element in elements {
                collectParameters(in: element, constants: &constants, contextTypes: &contextTypes)
            }
        default:
            break
        }
    }

    /// The operators whose unknown operand takes the other operand's type.
    private static let typingOperators: Set<String> = [
        "+", "-", "*", "/", "%", "=", "<>", "!=", "<", ">", "<=", ">=",
    ]

    /// Records the types that one node of the tree gives the parameters directly under it: an operand beside a
    /// typed one, a WHERE or HAVING clause or a boolean operator's argument (bool), a LIMIT or OFFSET (int8).
    private static func inferParameterTypes(
        from members: [String: ParseTreeNode], into types: inout [Int: PostgresType]
    ) {
        func record(_ node: ParseTreeNode?, _ type: PostgresType?) {
            guard let number = node?["ParamRef"]?["number"]?.integer, let type, types[number] == nil else { return }
            types[number] = type
        }
        if let operation = members["A_Expr"], operation["kind"]?.string == "AEXPR_OP",
            let name = operation["name"]?.names.last, typingOperators.contains(name),
            let left = operation["lexpr"], let right = operation["rexpr"]
        {
            record(left, SQLExpression(right).ownType)
            record(right, SQLExpression(left).ownType)
        }
        for clause in ["whereClause", "havingClause"] { record(members[clause], .bool) }
        for clause in ["limitCount", "limitOffset"] { record(members[clause], .int8) }
        for argument in members["BoolExpr"]?["args"]?.elements ?? [] { record(argument, .bool) }
    }

    private static func kind(of type: String, _ fields: ParseTreeNode, tag: String) -> StatementKind {
        switch type {
        case "SelectStmt":
            return select(fields, tag: tag)
        case "VariableSetStmt":
            return set(fields)
        case "VariableShowStmt":
            return .show(name: fields["name"]?.string ?? "")
        case "DiscardStmt":
            return .discard(all: fields["target"]?.string == "DISCARD_ALL")
        case "TransactionStmt":
            return transaction(fields, tag: tag)
        case "PrepareStmt":
            let types = fields["argtypes"]?.elements.map { node -> UInt32 in
                let type = node["TypeName"]
                let isArray = !(type?["arrayBounds"]?.elements.isEmpty ?? true)
                return PostgresType.named(type?["names"]?.names ?? [], isArray: isArray)?.oid ?? 0
            }
            return .prepare(name: fields["name"]?.string ?? "", parameterTypes: types ?? [])
        case "ExecuteStmt":
            var parameters: [String?] = []
            for node in fields["params"]?.elements ?? [] {
                switch SQLExpression(node) {
                case .integer(let value), .cast(.integer(let value), _, _, _): parameters.append(String(value))
                case .numeric(let text), .string(let text), .cast(.string(let text), _, _, _),
                    .cast(.numeric(let text), _, _, _):
                    parameters.append(text)
                case .bool(let value): parameters.append(value ? "t" : "f")
                case .null: parameters.append(nil)
                default: return .other(tag: tag)
                }
            }
            return .executePrepared(name: fields["name"]?.string ?? "", parameters: parameters)
        case "DeallocateStmt":
            return .deallocate(name: fields["name"]?.string)
        case "CopyStmt" where fields["is_from"]?.bool == true && fields["filename"] == nil:
            return .copyFromStdin(
                columns: fields["attlist"]?.elements.count ?? 0,
                format: CopyFormat(options: fields["options"]?.elements ?? []))
        default:
            return .other(tag: tag)
        }
    }

    private static func select(_ fields: ParseTreeNode, tag: String) -> StatementKind {
        if let ctes = fields["withClause"]?["ctes"]?.elements, ctes.count == 1,
            let tree = ctes[0]["CommonTableExpr"], tree["ctename"]?.string == "typeinfo_tree",
            tree["aliascolnames"]?.names == TypeInfoLookup.treeColumns
        {
            return .typeInfoLookup
        }
        if fields["op"]?.string != "SETOP_NONE", let left = fields["larg"] {
            // UNION, INTERSECT, EXCEPT: answered only when they read catalogs (with no rows).
            guard readsOnlyCatalogs(fields), case .select(let targets, _, _, _) = select(left, tag: tag) else {
                return .other(tag: tag)
            }
            return .select(targets: targets, readsCatalog: true, hasFrom: true, rowCondition: nil)
        }
        guard fields["valuesLists"] == nil else { return .other(tag: tag) }
        let targets = fields["targetList"]?.elements.compactMap { node -> StatementKind.SelectTarget? in
            guard let target = node["ResTarget"] else { return nil }
            let expression = SQLExpression(target["val"] ?? .null)
            return StatementKind.SelectTarget(
                name: target["name"]?.string ?? expression.columnName, expression: expression)
        }
        return .select(
            targets: targets ?? [], readsCatalog: readsOnlyCatalogs(fields),
            hasFrom: !(fields["fromClause"]?.elements.isEmpty ?? true), rowCondition: rowCondition(fields))
    }

    /// A SELECT's WHERE, HAVING, LIMIT and OFFSET as one condition on a row: `where … and having … and
    /// coalesce(limit, 1) > 0 and coalesce(offset, 0) < 1` (a NULL LIMIT or OFFSET is none); `nil` without them.
    private static func rowCondition(_ fields: ParseTreeNode) -> SQLExpression? {
        var conditions = ["whereClause", "havingClause"].compactMap { fields[$0].map(SQLExpression.init) }
        if let limit = fields["limitCount"].map(SQLExpression.init) {
            conditions.append(.operation(">", left: .function("coalesce", [limit, .integer(1)]), right: .integer(0)))
        }
        if let offset = fields["limitOffset"].map(SQLExpression.init) {
            conditions.append(.operation("<", left: .function("coalesce", [offset, .integer(0)]), right: .integer(1)))
        }
        guard let first = conditions.first else { return nil }
        return conditions.dropFirst().reduce(first) { .operation("and", left: $0, right: $1) }
    }

    /// Whether every relation the statement reads is a catalog (and there is at least one); CTEs do not count.
    private static func readsOnlyCatalogs(_ fields: ParseTreeNode) -> Bool {
        var commonTables: Set<String> = []
        var relations: [(schema: String?, name: String)] = []
        func walk(_ node: ParseTreeNode) {
            switch node {
            case .object(let members):
                if let name = members["CommonTableExpr"]?["ctename"]?.string { commonTables.insert(name) }
                if let relation = members["RangeVar"], let name = relation["relname"]?.string {
                    relations.append((relation["schemaname"]?.string, name))
                }
                for member in members.values { walk(member) }
            case .array(let elements):
                for element in elements { walk(element) }
            default:
                break
            }
        }
        walk(fields)
        let read = relations.filter { $0.schema != nil || !commonTables.contains($0.name) }
        return !read.isEmpty
            && read.allSatisfy { relation in
                switch relation.schema {
                case "pg_catalog", "information_schema": true
                case nil: relation.name.hasPrefix("pg_")
                default: false
                }
            }
    }

    private static func set(_ fields: ParseTreeNode) -> StatementKind {
        let name = fields["name"]?.string ?? ""
        switch fields["kind"]?.string {
        case "VAR_SET_VALUE":
            let arguments = fields["args"]?.elements ?? []
            if name.lowercased() == "timezone", arguments.count == 1, let zone = numericZone(arguments[0]) {
                return .set(name: name, value: zone)
            }
            return .set(name: name, value: arguments.map(settingText).joined(separator: ", "))
        case "VAR_SET_DEFAULT", "VAR_RESET":
            return .reset(name: name)
        case "VAR_SET_MULTI":
            let changes = fields["args"]?.elements.compactMap { node -> (name: String, value: String)? in
                guard let option = node["DefElem"], let name = option["defname"]?.string else { return nil }
                let value = settingText(option["arg"] ?? .null)
                return (name, name == "transaction_isolation" ? value : (value == "1" ? "on" : "off"))
            }
            return .setMany(changes ?? [])
        case "VAR_RESET_ALL":
            return .resetAll
        default:
            // SET name FROM CURRENT keeps the value.
            return .setMany([])
        }
    }

    /// The zone of `SET TIME ZONE` to a number of hours or an interval (`2`, `-3.5`, `INTERVAL '+02:00' HOUR TO
    /// MINUTE`) as PostgreSQL names it, a POSIX specification: `<+02>-02`, `<-03:30>+03:30`; `nil` for other values.
    private static func numericZone(_ node: ParseTreeNode) -> String? {
        let seconds: Int
        switch SQLExpression(node) {
        case .integer(let hours) where abs(hours) < 168:
            seconds = Int(hours) * 3_600
        case .numeric(let text):
            guard let hours = Double(text), abs(hours) < 168 else { return nil }
            seconds = Int((hours * 3_600).rounded())
        case .cast(.string(let text), let type?, _, _) where type.name == "interval":
            let trimmed = text.trimmingWhitespace()
            if let clock = trimmed.wholeMatch(of: /([+-])?(\d{1,3}):(\d\d)(?::(\d\d))?/), let hours = Int(clock.2),
                let minutes = Int(clock.3)
            {
                let magnitude = hours * 3_600 + minutes * 60 + (clock.4.flatMap { Int($0) } ?? 0)
                seconds = clock.1 == "-" ? -magnitude : magnitude
            } else if let count = trimmed.wholeMatch(of: /([+-]?\d{1,3}) *hours?/), let hours = Int(count.1) {
                seconds = hours * 3_600
            } else {
                return nil
            }
        default:
            return nil
        }
        var body = DateTimeText.offsetText(Int64(seconds)).dropFirst()
        if body.isEmpty { body = "00" }
        return seconds < 0 ? "<-\(body)>+\(body)" : "<+\(body)>-\(body)"
    }

    /// The text of a SET value: a constant as written (strings unquoted), or a cast constant's.
    private static func settingText(_ node: ParseTreeNode) -> String {
        switch SQLExpression(node) {
        case .integer(let value): String(value)
        case .numeric(let text), .string(let text): text
        case .bool(let value): value ? "on" : "off"
        case .cast(.string(let text), _, _, _), .cast(.numeric(let text), _, _, _): text
        case .cast(.integer(let value), _, _, _): String(value)
        default: ""
        }
    }

    private static func transaction(_ fields: ParseTreeNode, tag: String) -> StatementKind {
        switch fields["kind"]?.string {
        case "TRANS_STMT_BEGIN", "TRANS_STMT_START": .transaction(.begin)
        case "TRANS_STMT_COMMIT": .transaction(.commit)
        case "TRANS_STMT_ROLLBACK": .transaction(.rollback)
        case "TRANS_STMT_SAVEPOINT": .transaction(.savepoint)
        case "TRANS_STMT_RELEASE": .transaction(.release)
        case "TRANS_STMT_ROLLBACK_TO": .transaction(.rollbackToSavepoint)
        case "TRANS_STMT_PREPARE": .transaction(.prepareTransaction)
        case "TRANS_STMT_COMMIT_PREPARED": .transaction(.commitPrepared)
        case "TRANS_STMT_ROLLBACK_PREPARED": .transaction(.rollbackPrepared)
        default: .other(tag: tag)
        }
    }

    /// The columns of the rows a statement of this node type returns (see ``rowColumns``).
    private static func rowColumns(of type: String, _ fields: ParseTreeNode) -> [ResultColumn]? {
        func columns(of targetList: ParseTreeNode?) -> [ResultColumn] {
            (targetList?.elements ?? []).compactMap { node in
                guard let target = node["ResTarget"] else { return nil }
                let expression = SQLExpression(target["val"] ?? .null)
                guard expression != .column("*") else { return nil }
                let selectTarget = StatementKind.SelectTarget(
                    name: target["name"]?.string ?? expression.columnName, expression: expression)
                return ResultColumn(name: selectTarget.name, type: CatalogColumnTypes.type(of: selectTarget))
            }
        }
        switch type {
        case "SelectStmt":
            if fields["op"]?.string != "SETOP_NONE", let left = fields["larg"]?["SelectStmt"] {
                return rowColumns(of: type, left)
            }
            if let first = fields["valuesLists"]?.elements.first {
                let values = first["List"]?["items"]?.elements ?? first.elements
                return values.enumerated().map { index, node in
                    let type: PostgresType =
                        switch SQLExpression(node) {
                        case .integer(let value): Int32(exactly: value) == nil ? .int8 : .int4
                        case .numeric: .numeric
                        case .bool: .bool
                        default: .text
                        }
                    return ResultColumn(name: "column\(index + 1)", type: type)
                }
            }
            return columns(of: fields["targetList"])
        case "InsertStmt", "UpdateStmt", "DeleteStmt":
            guard let returning = fields["returningList"], !returning.elements.isEmpty else { return nil }
            return columns(of: returning)
        case "ExplainStmt":
            return [ResultColumn(name: "QUERY PLAN", type: .text)]
        case "FetchStmt", "ExecuteStmt":
            return []
        default:
            return nil
        }
    }

    /// The command tag PostgreSQL completes a statement of this node type with (for no rows affected).
    private static func tag(of type: String, _ fields: ParseTreeNode) -> String {
        switch type {
        case "SelectStmt": return "SELECT 0"
        case "InsertStmt": return "INSERT 0 0"
        case "UpdateStmt": return "UPDATE 0"
        case "DeleteStmt": return "DELETE 0"
        case "MergeStmt": return "MERGE 0"
        case "CopyStmt": return "COPY 0"
        case "VariableSetStmt":
            return fields["kind"]?.string == "VAR_RESET" || fields["kind"]?.string == "VAR_RESET_ALL"
                ? "RESET" : "SET"
        case "VariableShowStmt": return "SHOW"
        case "CreateStmt": return "CREATE TABLE"
        case "IndexStmt": return "CREATE INDEX"
        case "ViewStmt": return "CREATE VIEW"
        case "CreateSchemaStmt": return "CREATE SCHEMA"
        case "CreateTableAsStmt": return "SELECT 0"
        case "DropStmt": return "DROP " + objectName(fields["removeType"]?.string)
        case "AlterTableStmt": return "ALTER " + objectName(fields["objtype"]?.string)
        case "TransactionStmt": return transactionTag(fields["kind"]?.string)
        case "DiscardStmt": return "DISCARD " + (fields["target"]?.string ?? "DISCARD_ALL").dropFirst(8)
        case "PrepareStmt": return "PREPARE"
        case "DeallocateStmt": return fields["name"] == nil ? "DEALLOCATE ALL" : "DEALLOCATE"
        case "ListenStmt": return "LISTEN"
        case "UnlistenStmt": return "UNLISTEN"
        case "NotifyStmt": return "NOTIFY"
        case "TruncateStmt": return "TRUNCATE TABLE"
        case "LockStmt": return "LOCK TABLE"
        case "ExplainStmt": return "EXPLAIN"
        case "DoStmt": return "DO"
        case "VacuumStmt": return fields["is_vacuumcmd"]?.bool == true ? "VACUUM" : "ANALYZE"
        default:
            // CreateFunctionStmt → CREATE FUNCTION: the node name without "Stmt", split at capitals.
            return type.replacing("Stmt", with: "").reduce(into: "") { tag, character in
                if character.isUppercase && !tag.isEmpty { tag.append(" ") }
                tag.append(character.uppercased())
            }
        }
    }

    /// `OBJECT_TABLE` → `TABLE`.
    private static func objectName(_ objectType: String?) -> String {
        String((objectType ?? "OBJECT_TABLE").dropFirst(7)).replacing("_", with: " ")
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
