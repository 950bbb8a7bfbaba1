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
    /// `server.parameters`: settings reported at startup and shown by SHOW.
    public var parameters: [(name: String, value: String)] = []
    /// `unmatched`: what statements no rule answers get.
    public var unmatched: UnmatchedStatementPolicy?
    /// The rules, in order: the first that matches answers.
    public var rules: [ScriptRule] = []
    /// `conversation`: the exact messages of a strict conversation (instead of rules); empty for none.
    public var conversation: [ConversationStep] = []

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
            let fields = try server.mapping(allowed: ["version", "auth", "users", "parameters"])
            if let version = fields["version"] {
                serverVersion = try version.text()
                guard ServerVersion.isValid(serverVersion ?? "") else {
                    throw version.error(
                        "server.version '\(serverVersion ?? "")' is not a PostgreSQL version: expected \(ServerVersion.expectedForm)"
                    )
                }
            }
            authentication = try fields["auth"]?.oneOf(["trust", "password", "md5", "scram-sha-256", "cert"])
            for (name, value) in try fields["users"]?.pairs() ?? [] { users[name] = try value.storedPassword() }
            for (name, value) in try fields["parameters"]?.pairs() ?? [] { parameters.append((name, try value.text())) }
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
            for node in try conversation.elements() {
                if let step = try Self.step(node) { steps.append(step) }
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

    /// One conversation line: `F message` or `B message` in `pgw decode`'s text form (the time and connection
    /// number of a decoded capture's or the proxy's line may stay); `nil` for a note line (`-- connection …`,
    /// `-- closed (FIN)`), which a pasted session has among its messages. A masked secret key (`BackendKeyData
    /// pid=… key=****`) stands for any key: serve issues its own at login, where such lines are skipped.
    private static func step(_ node: ScriptNode) throws(ScriptError) -> ConversationStep? {
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
                sender: sender, message: try TextFormParser(direction: sender, acceptsMaskedKeys: true).parse(line),
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
