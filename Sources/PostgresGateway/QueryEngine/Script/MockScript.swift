import PostgresAuthentication
import PostgresWire
import Yams

/// A `pgw serve` script: the server's identity and the rules that answer statements, read from YAML.
///
/// ```yaml
/// server:
///   version: "16.4"
///   auth: scram-sha-256          # trust | password | md5 | scram-sha-256 | cert
///   users: {alice: secret}
///   parameters: {TimeZone: UTC}
/// unmatched: echo                # echo | empty | error
/// rules:
///   - match: "select id, name from users where id = $1"   # fingerprint match by default
///     params: ["1"]
///     columns: [{name: id, type: int4}, {name: name, type: text}]
///     rows: [[1, "alice"]]
///   - match: {regex: "^insert into audit"}
///     tag: "INSERT 0 1"
///     times: 2
///   - match: "select boom()"
///     error: {code: "22012", message: "division by zero"}
///   - match: "select pg_sleep(5)"
///     delay: 5s                  # a CancelRequest ends the wait with 57014
///     columns: [{name: pg_sleep, type: void}]
///     rows: [[""]]
///   - match: "copy items from stdin"   # takes the data, answers COPY n
///   - match: "select crash()"
///     close: true                # closes the connection (after the answer, if the rule has one)
/// ```
///
/// Instead of `rules`, a `conversation` lists the exact messages of a strict conversation (see
/// ``StrictConversation``): `F …` lines the client must send, `B …` lines the server sends, in `pgw decode`'s text
/// form.
public struct MockScript: Sendable {
    /// `server.version`: the reported server_version.
    public var serverVersion: String?
    /// `server.auth`: the authentication method, as pg_hba.conf names it.
    public var authentication: String?
    /// `server.users`: user name → password, md5 hash or SCRAM verifier (as `pgw certs` makes them).
    public var users: [String: StoredPassword] = [:]
    /// Where each user's stored password is in the script: its line and column, for errors about it.
    public var userPositions: [String: (line: Int, column: Int)] = [:]
    /// `server.parameters`: settings reported at startup and shown by SHOW.
    public var parameters: [(name: String, value: String)] = []
    /// `server.logins`: the parameters logins of a user, a database or both report instead of `parameters`.
    public var loginParameters: [LoginParameters] = []
    /// `unmatched`: what statements no rule answers get.
    public var unmatched: UnmatchedStatementPolicy?
    /// The rules, in order: the first that matches answers.
    public var rules: [ScriptRule] = []
    /// `conversation`: the exact messages of a strict conversation (instead of rules); empty for none.
    public var conversation: [ConversationStep] = []

    /// The keys of an error's or notice's other fields and their codes, in the order PostgreSQL sends them
    /// (after the position): the names of PL/pgSQL's `RAISE … USING` options (`schema`, `table`, `column`,
    /// `datatype`, `constraint`), `where` (psql's CONTEXT), the internal query and position, and where in
    /// PostgreSQL's source the error was raised (psql's LOCATION).
    public static let diagnosticFields: [(key: String, code: DiagnosticField)] = [
        ("internal_position", .internalPosition), ("internal_query", .internalQuery), ("where", .context),
        ("schema", .schemaName), ("table", .tableName), ("column", .columnName), ("datatype", .dataTypeName),
        ("constraint", .constraintName), ("file", .file), ("line", .line), ("routine", .routine),
    ]

    /// Reads a script from YAML text; errors name the line and column.
    public init(yaml: String) throws(ScriptError) {
        try ScriptNestingLimit.check(yaml)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.error(from: error)
        } catch {
            throw ScriptError(line: 0, column: 0, message: "\(error)")
        }
        guard let root else { return }
        let top = try ScriptNode(root).mapping(allowed: ["server", "rules", "unmatched", "conversation"])
        if let server = top["server"] {
            let fields = try server.mapping(allowed: ["version", "auth", "users", "parameters", "logins"])
            if let version = fields["version"] {
                serverVersion = try version.text()
                guard ServerVersion.isValid(serverVersion ?? "") else {
                    throw version.error(
                        "server.version '\(serverVersion ?? "")' is not a PostgreSQL version: expected \(ServerVersion.expectedForm)"
                    )
                }
            }
            authentication = try fields["auth"]?.oneOf(["trust", "password", "md5", "scram-sha-256", "cert"])
            for (name, value) in try fields["users"]?.pairs() ?? [] {
                users[name] = try value.storedPassword()
                userPositions[name] = (value.line, value.column)
            }
            for (name, value) in try fields["parameters"]?.pairs() ?? [] {
                parameters.append((name, try Self.parameterValue(name, value)))
            }
            loginParameters = try fields["logins"]?.elements().map(Self.loginParameters) ?? []
        }
        if let policy = top["unmatched"] {
            unmatched = UnmatchedStatementPolicy(
                rawValue: try policy.oneOf(UnmatchedStatementPolicy.allCases.map(\.rawValue)))
        }
        let ruleNodes = try top["rules"]?.elements() ?? []
        rules = try ruleNodes.map(ScriptRuleReader.rule)
        if let conversation = top["conversation"] {
            guard top["rules"] == nil else {
                throw conversation.error("a script has either 'rules' or a strict 'conversation', not both")
            }
            var steps: [ConversationStep] = []
            // Followed as `pgw decode` and `pgw repl` follow a session, so that a Bind's typed binary values are
            // read by the types its statement's Parse (or a ParameterDescription) gave, as decode printed them.
            var types = ValueTypeTracker()
            types.reset()
            for node in try conversation.elements() {
                guard let step = try Self.step(node, types: &types) else { continue }
                switch step.message.message {
                case .frontend(let message)?: _ = types.observe(message)
                case .backend(let message)?: _ = types.observe(message)
                case nil: break
                }
                steps.append(step)
            }
            self.conversation = ConversationBinaryValues.encoded(steps)
        }
        // Names are unique, so that `after` names one rule.
        var lines: [String: Int] = [:]
        for (rule, node) in zip(rules, ruleNodes) {
            if let line = lines[rule.name] {
                throw (node.field("name") ?? node).error("a rule named '\(rule.name)' is already at line \(line)")
            }
            lines[rule.name] = rule.line
        }
        for (rule, node) in zip(rules, ruleNodes) {
            if let after = rule.after, lines[after] == nil {
                throw (node.field("after") ?? node).error("'after: \(after)' names no rule of this script")
            }
            if let after = rule.after, after == rule.name {
                throw (node.field("after") ?? node).error(
                    "'after: \(after)' names this rule itself, which could then never answer: name an earlier rule")
            }
        }
    }

    /// The settings of `server.parameters` serve reads (to print values, or as a client's SET would change them),
    /// by lowercased name: their values are checked as PostgreSQL checks them.
    private static let interpretedParameters: Set<String> = OutputSettingValue.names.union(MillisecondsSetting.names)
        .union(["timezone", "datestyle", "client_encoding"])

    /// The value of the server parameter `name` at `node`: for a setting serve reads, as PostgreSQL keeps it (`iso`
    /// is `ISO, MDY`), or the error a client's SET of it gets (`invalid value for parameter "TimeZone":
    /// "Mars/Olympus"`) at the value's line and column; another parameter's as written.
    private static func parameterValue(_ name: String, _ node: ScriptNode) throws(ScriptError) -> String {
        let value = try node.text()
        guard interpretedParameters.contains(name.lowercased()) else { return value }
        do {
            return try ServerSettings.validated(name, value, in: [:])
        } catch {
            let diagnostic = error.diagnostic
            let reasons = [diagnostic.message, diagnostic[.detail], diagnostic[.hint]].compactMap { $0 }
            throw node.error("server.parameters: " + reasons.joined(separator: " "))
        }
    }

    /// One entry of `server.logins`: `{user: NAME, database: NAME, parameters: {NAME: VALUE}}`, a user or a database
    /// or both, as `ALTER ROLE … IN DATABASE … SET` chooses the logins.
    private static func loginParameters(_ node: ScriptNode) throws(ScriptError) -> LoginParameters {
        let fields = try node.mapping(allowed: ["user", "database", "parameters"])
        guard fields["user"] != nil || fields["database"] != nil else {
            throw node.error("a login entry names a 'user', a 'database' or both (else use server.parameters)")
        }
        var parameters: [(name: String, value: String)] = []
        for (name, value) in try fields["parameters"]?.pairs() ?? [] {
            parameters.append((name, try Self.parameterValue(name, value)))
        }
        return LoginParameters(
            user: try fields["user"]?.text(), database: try fields["database"]?.text(), parameters: parameters)
    }

    /// One conversation line: `F message` or `B message` in `pgw decode`'s text form (the time and connection
    /// number of a decoded capture's or the proxy's line may stay); `nil` for a note line (`-- connection …`,
    /// `-- closed (FIN)`), which a pasted session has among its messages. A masked secret key (`BackendKeyData
    /// pid=… key=****`) stands for any key: serve issues its own at login, where such lines are skipped. `types`
    /// follows the lines before it: a Bind's values in binary are encoded by its statement's parameter types.
    private static func step(_ node: ScriptNode, types: inout ValueTypeTracker) throws(ScriptError)
        -> ConversationStep?
    {
        let line = try node.text()
        if TextFormParser.isNote(line) { return nil }
        guard let (sender, message) = TextFormParser.sender(of: line) else {
            if line.wholeMatch(of: /\d\d:\d\d:\d\d(\.\d+)?/) != nil {
                throw node.error("'\(line)' is only a time: in YAML ' #' starts a comment, so quote a line with '#N'")
            }
            throw node.error("a conversation line starts with F (the client sends) or B (the server sends)")
        }
        do {
            // Reports name the message as written, without a pasted time and connection number.
            return ConversationStep(
                sender: sender,
                message: try TextFormParser(direction: sender, acceptsMaskedKeys: true).parse(line) {
                    types.parameterTypes(ofStatement: $0)
                },
                text: String(message),
                line: node.line)
        } catch {
            throw ScriptError(line: node.line, column: node.column + error.column, message: error.reason)
        }
    }

    private static func error(from error: YamlError) -> ScriptError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text), " } ?? ""
            return ScriptError(line: mark.line, column: mark.column, message: "invalid YAML: \(prefix)\(problem)")
        default:
            return ScriptError(line: 0, column: 0, message: "invalid YAML: \(error)")
        }
    }
}
