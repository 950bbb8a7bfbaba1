/// An expression of a select list, as much of PostgreSQL's parse tree as the query engine evaluates or describes.
indirect enum SQLExpression: Sendable, Hashable {
    /// A literal: an integer, a numeric (kept as written), a string, a boolean or NULL.
    case integer(Int64)
    case numeric(String)
    case string(String)
    case bool(Bool)
    case null
    /// `$n`.
    case parameter(Int)
    /// `expression::type(modifiers)` (`type` is `nil` when the engine does not know it or a modifier is not an
    /// integer constant; `typeName` is as written; `varchar(2)` has the modifiers `[2]`, `char` `[1]`).
    case cast(SQLExpression, type: PostgresType?, typeName: String, modifiers: [Int])
    /// A function call, by its unqualified lowercased name.
    case function(String, [SQLExpression])
    /// A binary or unary (`left` is `nil`) operator; `and`, `or` and `not` for SQL's boolean operators.
    case operation(String, left: SQLExpression?, right: SQLExpression)
    /// `expression IS NULL` (`isNull`) or `IS NOT NULL`.
    case nullTest(SQLExpression, isNull: Bool)
    /// A column reference, by its last name (`*` for all columns).
    case column(String)
    /// One of SQL's keyword functions (`current_user`, `current_timestamp`…), by its lowercased name.
    case keywordFunction(String)
    /// `CASE [argument] WHEN condition THEN result … [ELSE otherwise] END` (`conditions` and `results` pair up).
    case caseWhen(
        argument: SQLExpression?, conditions: [SQLExpression], results: [SQLExpression], otherwise: SQLExpression?)
    /// Anything else (a subquery…): the engine can only name it.
    case other(String)

    /// The expression a parse tree node stands for.
    init(_ node: ParseTreeNode) {
        guard let (type, fields) = node.tagged else {
            self = .other("?column?")
            return
        }
        switch type {
        case "A_Const":
            self = Self.constant(fields)
        case "ParamRef":
            self = .parameter(fields["number"]?.integer ?? 0)
        case "TypeCast":
            let typeName = fields["typeName"]
            let names = typeName?["names"]?.names ?? []
            let isArray = !(typeName?["arrayBounds"]?.elements.isEmpty ?? true)
            let modifiers = typeName?["typmods"]?.elements.map(SQLExpression.init) ?? []
            let integers = modifiers.compactMap { modifier -> Int? in
                if case .integer(let value) = modifier { return Int(value) }
                return nil
            }
            self = .cast(
                SQLExpression(fields["arg"] ?? .null),
                type: integers.count == modifiers.count ? PostgresType.named(names, isArray: isArray) : nil,
                typeName: names.last ?? "?column?", modifiers: integers)
        case "FuncCall":
            let name = fields["funcname"]?.names.last?.lowercased() ?? "?column?"
            self = .function(name, fields["args"]?.elements.map(SQLExpression.init) ?? [])
        case "A_Expr":
            self = Self.operatorExpression(fields)
        case "ColumnRef":
            let last = fields["fields"]?.elements.last
            self = .column(last?["String"]?["sval"]?.string ?? (last?["A_Star"] != nil ? "*" : "?column?"))
        case "SQLValueFunction":
            self = .keywordFunction(Self.keywordFunctionName(fields["op"]?.string ?? ""))
        case "CaseExpr":
            let whens = fields["args"]?.elements.map { $0["CaseWhen"] ?? .null } ?? []
            self = .caseWhen(
                argument: fields["arg"].map(SQLExpression.init),
                conditions: whens.map { SQLExpression($0["expr"] ?? .null) },
                results: whens.map { SQLExpression($0["result"] ?? .null) },
                otherwise: fields["defresult"].map(SQLExpression.init))
        case "MinMaxExpr":
            let name = fields["op"]?.string == "IS_GREATEST" ? "greatest" : "least"
            self = .function(name, fields["args"]?.elements.map(SQLExpression.init) ?? [])
        case "SubLink" where fields["subLinkType"]?.string == "EXISTS_SUBLINK":
            self = .other("exists")
        case "SubLink" where fields["subLinkType"]?.string == "ARRAY_SUBLINK":
            self = .other("array")
        case "CoalesceExpr":
            self = .function("coalesce", fields["args"]?.elements.map(SQLExpression.init) ?? [])
        case "NullTest":
            self = .nullTest(
                SQLExpression(fields["arg"] ?? .null), isNull: fields["nulltesttype"]?.string == "IS_NULL")
        case "BoolExpr":
            let arguments = fields["args"]?.elements.map(SQLExpression.init) ?? []
            switch (fields["boolop"]?.string, arguments.first) {
            case ("NOT_EXPR", let argument?) where arguments.count == 1:
                self = .operation("not", left: nil, right: argument)
            case ("AND_EXPR", let first?), ("OR_EXPR", let first?):
                let name = fields["boolop"]?.string == "AND_EXPR" ? "and" : "or"
                self = arguments.dropFirst().reduce(first) { .operation(name, left: $0, right: $1) }
            default:
                self = .other("?column?")
            }
        default:
            self = .other("?column?")
        }
    }

    /// The type the expression has by itself, before any context (an integer constant: int4 or int8, a numeric
    /// one: numeric, a boolean: bool, a cast: its type); `nil` for others (a string constant is of unknown type).
    var ownType: PostgresType? {
        switch self {
        case .integer(let value): Int32(exactly: value) == nil ? .int8 : .int4
        case .numeric: .numeric
        case .bool: .bool
        case .cast(_, let type, _, _): type
        default: nil
        }
    }

    /// An A_Expr as the operations PostgreSQL's parser rewrites it into: `x BETWEEN a AND b` is `x >= a AND x <= b`
    /// (NOT BETWEEN `x < a OR x > b`, SYMMETRIC either order), `x IN (a, b)` is `x = a OR x = b` (NOT IN `x <> a
    /// AND x <> b`) and `NULLIF(a, b)` the function `nullif`; other kinds (LIKE, ANY…) are not evaluated.
    private static func operatorExpression(_ fields: ParseTreeNode) -> SQLExpression {
        let name = fields["name"]?.names.last ?? "?"
        let left = fields["lexpr"].map(SQLExpression.init)
        let right = SQLExpression(fields["rexpr"] ?? .null)
        let list = fields["rexpr"]?["List"]?["items"]?.elements.map(SQLExpression.init) ?? []
        func chain(_ operation: String, _ parts: [SQLExpression]) -> SQLExpression {
            parts.dropFirst().reduce(parts.first ?? .null) { .operation(operation, left: $0, right: $1) }
        }
        func between(_ low: SQLExpression, _ high: SQLExpression, negated: Bool) -> SQLExpression {
            let x = left ?? .null
            return negated
                ? chain("or", [.operation("<", left: x, right: low), .operation(">", left: x, right: high)])
                : chain("and", [.operation(">=", left: x, right: low), .operation("<=", left: x, right: high)])
        }
        switch fields["kind"]?.string {
        case "AEXPR_OP":
            return .operation(name, left: left, right: right)
        case "AEXPR_NULLIF":
            return .function("nullif", [left ?? .null, right])
        case "AEXPR_IN" where !list.isEmpty:
            return chain(
                name == "=" ? "or" : "and", list.map { .operation(name, left: left, right: $0) })
        case "AEXPR_BETWEEN" where list.count == 2, "AEXPR_NOT_BETWEEN" where list.count == 2:
            return between(list[0], list[1], negated: fields["kind"]?.string == "AEXPR_NOT_BETWEEN")
        case "AEXPR_BETWEEN_SYM" where list.count == 2, "AEXPR_NOT_BETWEEN_SYM" where list.count == 2:
            let negated = fields["kind"]?.string == "AEXPR_NOT_BETWEEN_SYM"
            return chain(
                negated ? "and" : "or",
                [between(list[0], list[1], negated: negated), between(list[1], list[0], negated: negated)])
        default:
            return .other("?column?")
        }
    }

    /// An A_Const's value; libpg_query omits zero and false (`{"ival": {}}`). A "float" constant that is a whole
    /// number (an integer too big for int4, as the lexer sees it: `2147483648`, `-2147483648`) is an integer, as
    /// PostgreSQL's `make_const` makes it when it fits int8.
    private static func constant(_ fields: ParseTreeNode) -> SQLExpression {
        if let value = fields["ival"] { return .integer(Int64(value["ival"]?.integer ?? 0)) }
        if let value = fields["fval"] {
            let text = value["fval"]?.string ?? "0"
            return Int64(text).map(SQLExpression.integer) ?? .numeric(text)
        }
        if let value = fields["sval"] { return .string(value["sval"]?.string ?? "") }
        if let value = fields["boolval"] { return .bool(value["boolval"]?.bool ?? false) }
        if let value = fields["bsval"] { return .string(value["bsval"]?.string ?? "") }
        return .null
    }

    /// `SVFOP_CURRENT_USER` → `current_user`.
    private static func keywordFunctionName(_ operation: String) -> String {
        let name = operation.hasPrefix("SVFOP_") ? operation.dropFirst(6) : Substring(operation)
        return name.lowercased().replacing(/_n$/, with: "")
    }

    /// Whether the expression is made of literals only (with casts and operators), so that its value depends on no
    /// parameter, setting or clock.
    var isLiteral: Bool {
        switch self {
        case .integer, .numeric, .string, .bool, .null: true
        case .cast(let inner, _, _, _): inner.isLiteral
        case .operation(_, let left, let right): (left?.isLiteral ?? true) && right.isLiteral
        case .nullTest(let inner, _): inner.isLiteral
        case .caseWhen(let argument, let conditions, let results, let otherwise):
            ([argument, otherwise].compactMap { $0 } + conditions + results).allSatisfy(\.isLiteral)
        case .parameter, .function, .column, .keywordFunction, .other: false
        }
    }

    /// The column name PostgreSQL gives this expression in a select list without `AS` (its `FigureColname`).
    var columnName: String {
        switch self {
        case .column(let name): name
        case .function(let name, _): name
        case .keywordFunction(let name): name
        case .cast(let inner, _, let typeName, _):
            // PostgreSQL's FigureColname: a cast names the column by its type unless what it casts has a stronger
            // name (a column or function); another cast, a boolean constant (itself a cast) or CASE do not.
            switch inner {
            case .cast, .bool, .caseWhen: typeName
            default: inner.columnName == "?column?" ? typeName : inner.columnName
            }
        case .bool: "bool"
        case .caseWhen: "case"
        case .other(let name): name
        default: "?column?"
        }
    }
}
