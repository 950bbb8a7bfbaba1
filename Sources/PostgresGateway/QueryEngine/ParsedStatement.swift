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
    /// The name PostgreSQL gives the statement when it refuses to run it inside a transaction block (`VACUUM`,
    /// `CREATE DATABASE`, `DISCARD ALL`…: 25001 `… cannot run inside a transaction block`); `nil` for statements
    /// that run anywhere.
    var transactionBlockRefusal: String?

    /// The statement described by libpg_query's parse tree of one statement (`stmts[0].stmt`), `nil` for none.
    init(tree statement: ParseTreeNode?) {
        parameterTypes = [:]
        highestParameter = 0
        guard let (type, fields) = statement?.tagged else {
            kind = .empty
            tag = ""
            return
        }
        tag = CommandTags.tag(of: type, fields)
        kind = Self.kind(of: type, fields, tag: tag)
        rowColumns = Self.rowColumns(of: type, fields)
        transactionBlockRefusal = Self.transactionBlockRefusal(of: type, fields)
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
        case "SelectStmt" where fields["intoClause"] != nil:
            // SELECT … INTO makes a table and returns no rows, as CREATE TABLE … AS.
            return .other(tag: tag)
        case "SelectStmt":
            return select(fields, tag: tag)
        case "VariableSetStmt":
            return set(fields)
        case "ConstraintsSetStmt":
            return .setConstraints
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
        case "CopyStmt"
        where fields["is_from"]?.bool != true && fields["filename"] == nil
            && fields["is_program"]?.bool != true:
            return copyToStdout(fields)
        case "ListenStmt":
            return .listen(channel: fields["conditionname"]?.string ?? "")
        case "UnlistenStmt":
            return .unlisten(channel: fields["conditionname"]?.string)
        case "NotifyStmt":
            return .notify(channel: fields["conditionname"]?.string ?? "", payload: fields["payload"]?.string ?? "")
        case "DeclareCursorStmt":
            return .declareCursor(
                name: fields["portalname"]?.string ?? "",
                options: SessionCursors.Options(rawValue: fields["options"]?.integer ?? 0))
        case "FetchStmt":
            let direction: CursorDirection =
                switch fields["direction"]?.string {
                case "FETCH_BACKWARD": .backward
                case "FETCH_ABSOLUTE": .absolute
                case "FETCH_RELATIVE": .relative
                default: .forward
                }
            // ALL is LONG_MAX, which a JSON number (a Double) holds as 2^63.
            var count = 0
            if case .number(let value)? = fields["howMany"] {
                count = value >= 0x1p63 ? SessionCursors.all : Int(value)
            }
            return .fetch(
                name: fields["portalname"]?.string ?? "", direction: direction, count: count,
                isMove: fields["ismove"]?.bool == true)
        case "ClosePortalStmt":
            return .closeCursor(name: fields["portalname"]?.string)
        default:
            return .other(tag: tag)
        }
    }

    /// `COPY … TO STDOUT`: the columns its list or its query's select list names, its format and delimiter.
    private static func copyToStdout(_ fields: ParseTreeNode) -> StatementKind {
        let options = fields["options"]?.elements ?? []
        var columns = fields["attlist"]?.names ?? []
        if columns.isEmpty, let query = fields["query"]?["SelectStmt"] {
            columns = rowColumns(of: "SelectStmt", query)?.map(\.name) ?? []
        }
        let delimiter = options.lazy.compactMap { option -> String? in
            guard let definition = option["DefElem"], definition["defname"]?.string == "delimiter" else { return nil }
            return definition["arg"]?["String"]?["sval"]?.string
        }.first
        return .copyToStdout(columns: columns, format: CopyFormat(options: options), delimiter: delimiter)
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
            let isLocal = fields["is_local"]?.bool == true
            if name.lowercased() == "timezone", arguments.count == 1, let zone = numericZone(arguments[0]) {
                return .set(name: name, value: zone, isLocal: isLocal)
            }
            return .set(name: name, value: arguments.map(settingText).joined(separator: ", "), isLocal: isLocal)
        case "VAR_SET_DEFAULT", "VAR_RESET":
            return .reset(name: name)
        case "VAR_SET_MULTI":
            let changes = transactionModes(fields["args"])
            guard name == "TRANSACTION" else {
                // SESSION CHARACTERISTICS: the defaults of the transactions to come.
                return .setMany(changes.map { ("default_" + $0.name, $0.value) })
            }
            return .setTransaction(changes.filter { $0.name != "transaction_snapshot" })
        case "VAR_RESET_ALL":
            return .resetAll
        default:
            // SET name FROM CURRENT keeps the value.
            return .setMany([])
        }
    }

    /// The `transaction_…` settings of a list of transaction modes (BEGIN's, SET TRANSACTION's): the isolation
    /// level's name, `on` or `off` for READ ONLY/WRITE and [NOT] DEFERRABLE.
    private static func transactionModes(_ modes: ParseTreeNode?) -> [(name: String, value: String)] {
        (modes?.elements ?? []).compactMap { node -> (name: String, value: String)? in
            guard let option = node["DefElem"], let name = option["defname"]?.string else { return nil }
            let value = settingText(option["arg"] ?? .null)
            return (
                name,
                name == "transaction_isolation" || name == "transaction_snapshot"
                    ? value : (value == "1" ? "on" : "off")
            )
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
        let chain = fields["chain"]?.bool == true
        let savepoint = fields["savepoint_name"]?.string ?? ""
        return switch fields["kind"]?.string {
        case "TRANS_STMT_BEGIN", "TRANS_STMT_START":
            .transaction(
                .begin(
                    characteristics: Dictionary(
                        transactionModes(fields["options"]).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })))
        case "TRANS_STMT_COMMIT": .transaction(.commit(chain: chain))
        case "TRANS_STMT_ROLLBACK": .transaction(.rollback(chain: chain))
        case "TRANS_STMT_SAVEPOINT": .transaction(.savepoint(savepoint))
        case "TRANS_STMT_RELEASE": .transaction(.release(savepoint))
        case "TRANS_STMT_ROLLBACK_TO": .transaction(.rollbackToSavepoint(savepoint))
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
        case "SelectStmt" where fields["intoClause"] != nil:
            return nil
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
}
