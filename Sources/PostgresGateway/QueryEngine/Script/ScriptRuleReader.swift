import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one rule of a script (see ``MockScript``).
enum ScriptRuleReader {
    private static let keys: Set<String> = [
        "name", "match", "params", "param_types", "columns", "rows", "tag", "times", "after", "error", "notices",
        "copy_out",
        "notify", "delay", "close",
    ]
    /// The keys that say what a rule answers; `close: true` without any of them closes instead of answering.
    private static let answerKeys: Set<String> = [
        "columns", "rows", "tag", "error", "notices", "copy_out", "notify",
    ]

    static func rule(_ node: ScriptNode) throws(ScriptError) -> ScriptRule {
        let fields = try node.mapping(allowed: keys)
        guard let match = fields["match"] else { throw node.error("a rule needs 'match'") }
        for (key, others) in [
            ("error", ["columns", "rows", "tag", "copy_out"]), ("copy_out", ["columns", "rows", "tag"]),
        ]
        where fields[key] != nil {
            if let other = others.first(where: { fields[$0] != nil }) {
                throw fields[other]!.error("a rule answers with '\(key)' or with '\(other)', not both")
            }
        }
        let notices = try fields["notices"]?.elements().map { notice throws(ScriptError) in
            try diagnostic(notice, defaultSeverity: "NOTICE", defaultCode: "00000")
        }
        let pattern = try pattern(match)
        if let typesNode = fields["param_types"], let valuesNode = fields["params"] {
            let (types, values) = (try typesNode.elements(), try valuesNode.elements())
            guard types.count == values.count else {
                throw typesNode.error("'param_types' has \(types.count) types for \(values.count) 'params'")
            }
            for (typeNode, valueNode) in zip(types, values) {
                let type = try self.type(typeNode)
                if let value = try valueNode.value() {
                    let typeName = try typeNode.text()
                    _ = try read(
                        value, as: type, at: valueNode, "'\(value)' is not valid for a parameter of type \(typeName)")
                }
            }
        }
        var outcome = try notifying(fields["notify"], after: outcome(fields, node, pattern: pattern))
        if try fields["close"]?.flag() == true {
            outcome = .closing(after: answerKeys.isDisjoint(with: fields.keys) ? nil : outcome)
        }
        return ScriptRule(
            name: try fields["name"]?.text() ?? "line \(node.line)",
            line: node.line,
            pattern: pattern,
            parameters: try fields["params"]?.elements().map { value throws(ScriptError) in try value.value() },
            parameterTypes: try fields["param_types"]?.elements().map { type throws(ScriptError) in
                try self.type(type).type
            },
            times: try fields["times"]?.count(),
            after: try fields["after"]?.text(),
            outcome: outcome,
            notices: notices ?? [],
            delay: try fields["delay"]?.duration(),
            writtenRows: try writtenDateTimeRows(fields)
        )
    }

    /// The rows' values as written when a column is a date, timestamp or timestamptz (``ScriptRule/writtenRows``).
    private static func writtenDateTimeRows(_ fields: [String: ScriptNode]) throws(ScriptError) -> [[String?]]? {
        guard let columns = fields["columns"], let rows = fields["rows"] else { return nil }
        let types = try columns.elements().map { column throws(ScriptError) in
            try column.mapping(allowed: ["name", "type"])["type"].map(type)?.type
        }
        guard types.contains(where: { [.date, .timestamp, .timestamptz].contains($0) }) else { return nil }
        return try rows.elements().map { row throws(ScriptError) in
            try row.elements().map { value throws(ScriptError) in try value.value() }
        }
    }

    private static func pattern(_ node: ScriptNode) throws(ScriptError) -> StatementPattern {
        if case .scalar = node.node {
            let text = try node.text()
            guard let fingerprint = SQLParser.fingerprint(text) else {
                var reason = ""
                do {
                    _ = try SQLParser.parseTree(text)
                } catch {
                    reason = " (\(error.message))"
                }
                throw node.error(
                    "'\(text)' is not a statement PostgreSQL can parse\(reason); use {exact: …} or {regex: …} for "
                        + "text that is not SQL")
            }
            // A client sends a simple query's statements one by one to the rules: a rule of several never fires.
            if let count = try? SQLParser.parse(text).statementCount, count > 1 {
                throw node.error(
                    "'match' holds \(count) statements, but a rule matches one statement: give each its own rule")
            }
            return .fingerprint(fingerprint, columns: StatementPattern.outputColumns(of: text), text: text)
        }
        let fields = try node.mapping(allowed: ["regex", "exact", "sql"])
        guard fields.count == 1, let (kind, value) = fields.first else {
            throw node.error("'match' takes a statement, or one of {sql: …}, {regex: …}, {exact: …}")
        }
        switch kind {
        case "regex":
            let pattern = try value.text()
            do {
                _ = try Regex(pattern)
            } catch {
                throw value.error("invalid regular expression: \(error)")
            }
            // Statements are matched by ICU (with a time limit), whose syntax is Swift's but for a few extensions.
            guard let regex = try? RuleRegex(pattern) else {
                throw value.error("invalid regular expression: ICU's regular expressions cannot read it")
            }
            return .regex(regex)
        case "exact":
            return .exact(try value.text())
        default:
            return try self.pattern(value)
        }
    }

    /// `notify: {channel, payload}` or a list of them: notifications after the answer.
    private static func notifying(_ node: ScriptNode?, after outcome: QueryOutcome) throws(ScriptError) -> QueryOutcome
    {
        guard let node else { return outcome }
        let entries = if case .sequence = node.node { try node.elements() } else { [node] }
        let notifications = try entries.map { entry throws(ScriptError) in
            let fields = try entry.mapping(allowed: ["channel", "payload"])
            guard let channel = try fields["channel"]?.text() else {
                throw entry.error("a notification needs 'channel'")
            }
            return NotificationResponse(
                processID: Int32(getpid()), channel: channel, payload: try fields["payload"]?.text() ?? "")
        }
        return .notifying(notifications, after: outcome)
    }

    private static func outcome(_ fields: [String: ScriptNode], _ node: ScriptNode, pattern: StatementPattern)
        throws(ScriptError) -> QueryOutcome
    {
        if let copy = fields["copy_out"] { return .copyOut(try copy.text()) }
        if case .fingerprint(_, _, let text) = pattern, fields["error"] == nil, fields["columns"] == nil,
            fields["tag"] == nil, case .copyFromStdin(let columns, let format) = (try? SQLParser.parse(text))?.kind
        {
            // A rule for COPY … FROM STDIN takes the client's data.
            return .copyIn(columns: columns, format: format)
        }
        if let error = fields["error"] {
            return .error(try diagnostic(error, defaultSeverity: "ERROR", defaultCode: "XX000"))
        }
        let rowNodes = try fields["rows"]?.elements() ?? []
        guard let columnsNode = fields["columns"] else {
            if fields["rows"] != nil { throw node.error("'rows' need 'columns' ([{name: …, type: …}, …])") }
            return .command(tag: try fields["tag"]?.text() ?? "SELECT 0")
        }
        let columns = try columnsNode.elements().map { column throws(ScriptError) in
            let fields = try column.mapping(allowed: ["name", "type"])
            guard let name = try fields["name"]?.text() else { throw column.error("a column needs 'name'") }
            let type = try fields["type"].map(type) ?? TypeDeclaration(type: .text, modifiers: [], typeModifier: -1)
            return (name: name, declared: try fields["type"]?.text() ?? "text", type: type)
        }
        let rows = try rowNodes.map { rowNode throws(ScriptError) in
            let values = try rowNode.elements()
            guard values.count == columns.count else {
                throw rowNode.error("a row has \(values.count) values for \(columns.count) columns")
            }
            return try zip(values, columns).map { valueNode, column throws(ScriptError) -> String? in
                guard let value = try valueNode.value() else { return nil }
                return try read(
                    value, as: column.type, at: valueNode,
                    "'\(value)' is not valid for column '\(column.name)' (\(column.declared))")
            }
        }
        let tag = try fields["tag"]?.text() ?? "SELECT \(rows.count)"
        return .result(
            columns: columns.map {
                ResultColumn(name: $0.name, type: $0.type.type, typeModifier: $0.type.typeModifier)
            }, rows: rows, tag: tag)
    }

    /// The type `node` names, as PostgreSQL's grammar reads a type name (`int4`, `integer`, `numeric(10,2)`,
    /// `"char"`, `text[]`).
    private static func type(_ node: ScriptNode) throws(ScriptError) -> TypeDeclaration {
        let typeName = try node.text()
        switch TypeDeclaration.read(typeName) {
        case .success(let type): return type
        case .failure(.unknown): throw node.error("unknown type '\(typeName)'")
        case .failure(.invalidModifiers(let name)):
            throw node.error("'\(typeName)': invalid type modifiers for type \(name)")
        }
    }

    /// `value` as PostgreSQL's input function for `type` reads it, written back as its output function writes it
    /// (`yes` → `t`, ` 5 ` → `5`, `1.255` → `1.26` for numeric(10,2), `ab` → `ab   ` for char(5)), for the types
    /// serve's casts compute; another type's value is taken as written. An invalid value is the error at `node`:
    /// `message` and the input function's reason (`: invalid input syntax for type integer: "abc"`).
    private static func read(_ value: String, as type: TypeDeclaration, at node: ScriptNode, _ message: String)
        throws(ScriptError) -> String
    {
        let length = type.modifiers.first ?? .max
        if ConstantEvaluator.textTypes.contains(type.type.name),
            value.unicodeScalars.dropFirst(length).contains(where: { $0 != " " })
        {
            // The input function refuses what an explicit cast would cut off.
            let name = type.type == .varchar ? "character varying" : "character"
            throw node.error(message + ": value too long for type \(name)(\(length))")
        }
        let evaluator = ConstantEvaluator(
            settings: ServerSettings.outputDefaults, parameters: [], parameterTypes: [], serverVersion: "")
        do throws(ConstantEvaluator.Failure) {
            let read = try evaluator.cast(
                EvaluatedValue(text: value, type: .text), to: type.type, modifiers: type.modifiers)
            return read.text ?? value
        } catch .error(let error) {
            throw node.error(message + ": " + (error.message ?? ""))
        } catch {
            // Not computed: taken as written, an oid if it is one.
            guard type.type != .oidType || UInt32(value) != nil else { throw node.error(message) }
            return value
        }
    }

    private static func diagnostic(_ node: ScriptNode, defaultSeverity: String, defaultCode: String)
        throws(ScriptError) -> DiagnosticMessage
    {
        let fields = try node.mapping(
            allowed: Set(
                ["severity", "code", "message", "detail", "hint", "position"] + MockScript.diagnosticFields.map(\.key)))
        guard let message = try fields["message"]?.text() else { throw node.error("needs 'message'") }
        // PostgreSQL's severities: an error ends the statement (ERROR) or more, a notice does not.
        let severities =
            defaultSeverity == "ERROR" ? ["ERROR", "FATAL", "PANIC"] : ["WARNING", "NOTICE", "INFO", "LOG", "DEBUG"]
        var severity = defaultSeverity
        if let node = fields["severity"] {
            severity = try node.text().uppercased()
            guard severities.contains(severity) else {
                throw node.error(
                    "'\(try node.text())' is not a severity \(defaultSeverity == "ERROR" ? "an error" : "a notice") has; "
                        + "use one of \(severities.joined(separator: ", "))")
            }
        }
        // Without a code, a WARNING has PostgreSQL's default for warnings (01000), other severities `defaultCode`.
        let code = try fields["code"]?.text() ?? (severity == "WARNING" ? "01000" : defaultCode)
        guard code.count == 5, code.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isUppercase) }) else {
            throw (fields["code"] ?? node).error("'\(code)' is not a SQLSTATE (five digits or capital letters)")
        }
        var diagnostic = DiagnosticMessage(
            severity: severity, sqlState: code, message: message,
            detail: try fields["detail"]?.text(), hint: try fields["hint"]?.text())
        if let positionNode = fields["position"] {
            // The ErrorResponse's P field: where in the statement the error is (a character index from 1), which
            // psql shows as `LINE 1: …` with a caret.
            let position = try positionNode.text()
            guard let index = Int(position), index > 0 else {
                throw positionNode.error("'position' \(position) is not a character index (a number from 1)")
            }
            diagnostic.fields.append(DiagnosticMessage.Field(.position, String(index)))
        }
        for (key, code) in MockScript.diagnosticFields {
            guard let valueNode = fields[key] else { continue }
            let value = try valueNode.text()
            if code == .internalPosition, Int(value).map({ $0 > 0 }) != true {
                throw valueNode.error("'\(key)' \(value) is not a number from 1")
            }
            diagnostic.fields.append(DiagnosticMessage.Field(code, value))
        }
        return diagnostic
    }
}
