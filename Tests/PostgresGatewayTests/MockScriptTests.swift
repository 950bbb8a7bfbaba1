import NIOCore
import PostgresAuthentication
import PostgresWire
import Testing

@testable import PostgresGateway

/// Scripts without I/O: reading YAML (errors with line and column) and answering by rules.
struct MockScriptTests {
    static func responder(_ yaml: String) throws -> ScriptResponder {
        let script = try MockScript(yaml: yaml)
        return ScriptResponder(
            rules: script.rules,
            fallback: ServerEmulationResponder(serverVersion: "16.4", unmatched: script.unmatched ?? .echo))
    }

    @Test func theIssuesFormIsRead() throws {
        let script = try MockScript(yaml: ServeStackTests.script)
        #expect(script.serverVersion == "16.4" && script.authentication == "trust")
        #expect(script.users == ["alice": .password("secret")] && script.unmatched == .echo)
        #expect(script.parameters.map(\.name) == ["TimeZone"] && script.parameters.map(\.value) == ["UTC"])
        #expect(script.rules.count == 8 && script.rules[1].times == 2 && script.rules[4].name == "insert user")
        #expect(
            script.rules[0].outcome
                == .result(
                    columns: [ResultColumn(name: "id", type: .int4), ResultColumn(name: "name", type: .text)],
                    rows: [["1", "alice"]], tag: "SELECT 1"))
    }

    @Test(arguments: [
        ("rules:\n  - match: [1\n", 3, 1, "invalid YAML"),
        ("rules:\n  - match: \"select 1\"\n    colums: []\n", 3, 5, "unknown key 'colums'"),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: n, type: numeric(10,2)}]\n", 3, 42,
            #"unknown key '2)'; expected one of name, type (a comma ends a value inside {…}: quote a value that holds one, as in type: "numeric(10,2)")"#
        ),
        ("rules:\n  - match: \"select 1\"\n    columns: [{name: a, type: nosuch}]\n", 3, 31, "unknown type 'nosuch'"),
        ("rules:\n  - match: \"select 1\"\n    rows: [[1]]\n", 2, 5, "'rows' need 'columns'"),
        ("rules:\n  - match: \"select 1\"\n    error: {code: \"x\", message: m}\n", 3, 19, "not a SQLSTATE"),
        ("rules:\n  - match: \"select 1\"\n    after: nobody\n", 3, 12, "names no rule"),
        ("rules:\n  - match: \"select 1\"\n    match: \"select 2\"\n", 3, 5, "duplicate key 'match'"),
        ("server:\n  users: {a: x, a: y}\n", 2, 17, "duplicate key 'a'"),
        (
            "rules:\n  - {name: a, match: \"select 1\"}\n  - {name: a, match: \"select 2\"}\n", 3, 12,
            "already at line 2"
        ),
        ("rules:\n  - match: \"select 1\"\n    tag: X\n    error: {message: m}\n", 3, 10, "'error' or with 'tag'"),
        ("rules:\n  - match: \"select 1\"\n    copy_out: \"1\"\n    rows: [[1]]\n", 4, 11, "'copy_out' or with 'rows'"),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: id, type: int4}]\n    rows: [[\"abc\"]]\n", 4, 13,
            "'abc' is not valid for column 'id' (int4)"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: id, type: int4}]\n    rows:\n      - [1, 2]\n", 5, 9,
            "a row has 2 values for 1 columns"
        ),
        ("rules:\n  - match: \"select 1\"\n    delay: 5 parsecs\n", 3, 12, "'5 parsecs' is not a duration"),
        (
            "rules:\n  - match: \"select 1\"\n    params: [\"1\"]\n    param_types: [int4, text]\n", 4, 18,
            "'param_types' has 2 types for 1 'params'"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    params: [\"x\"]\n    param_types: [int4]\n", 3, 14,
            "'x' is not valid for a parameter of type int4"
        ),
        ("rules:\n  - match: \"select 1\"\n    param_types: [nosuch]\n", 3, 19, "unknown type 'nosuch'"),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: v, type: 'varchar(2)'}]\n    rows: [[abc]]\n", 4, 13,
            "'abc' is not valid for column 'v' (varchar(2)): value too long for type character varying(2)"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: v, type: bool}]\n    rows: [[maybe]]\n", 4, 13,
            #"'maybe' is not valid for column 'v' (bool): invalid input syntax for type boolean: "maybe""#
        ),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: v, type: 'int4(3)'}]\n", 3, 31,
            "'int4(3)': invalid type modifiers for type int4"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: v, type: 'numeric(0)'}]\n", 3, 31,
            "'numeric(0)': invalid type modifiers for type numeric"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    columns: [{name: v, type: 'int4 from t'}]\n", 3, 31,
            "unknown type 'int4 from t'"
        ),
        ("conversation:\n  - Query \"x\"\n", 2, 5, "starts with F"),
        ("conversation:\n  - 00:40:39.817 #1 F Query \"x\"\n", 2, 5, "in YAML ' #' starts a comment"),
        ("conversation:\n  - F Quer \"x\"\n", 2, 7, "unknown message type 'Quer'"),
        ("conversation:\n  - B Query \"x\"\n", 2, 7, "Query is a frontend message"),
        ("conversation:\n  - F Execute maxRows=ten\n", 2, 23, "an integer"),
        ("rules: []\nconversation: []\n", 2, 15, "not both"),
        (
            "rules:\n  - match: \"select a from t; select b from t\"\n", 2, 12,
            "'match' holds 2 statements, but a rule matches one statement"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    error: {severity: WARNING, message: m}\n", 3, 23,
            "'WARNING' is not a severity an error has; use one of ERROR, FATAL, PANIC"
        ),
        (
            "rules:\n  - match: \"select 1\"\n    notices: [{severity: BOGUS, message: m}]\n", 3, 26,
            "'BOGUS' is not a severity a notice has"
        ),
        ("rules:\n  - name: a\n    match: \"select 1\"\n    after: a\n", 4, 12, "names this rule itself"),
        ("server:\n  version: abc\n", 2, 12, "server.version 'abc' is not a PostgreSQL version"),
        ("server:\n  version: \"\"\n", 2, 12, "server.version '' is not a PostgreSQL version"),
        (
            "server:\n  parameters: {TimeZone: Mars/Olympus}\n", 2, 26,
            "server.parameters: invalid value for parameter \"TimeZone\": \"Mars/Olympus\"",
        ),
        (
            "server:\n  parameters:\n    DateStyle: bogus\n", 3, 16,
            "invalid value for parameter \"DateStyle\": \"bogus\" Unrecognized key word: \"bogus\".",
        ),
        ("server:\n  parameters: {client_encoding: x}\n", 2, 33, "parameter \"client_encoding\": \"x\""),
        (
            "server:\n  parameters: {IntervalStyle: x}\n", 2, 31,
            "Available values: postgres, postgres_verbose, sql_standard, iso_8601.",
        ),
        ("server:\n  parameters: {extra_float_digits: 4}\n", 2, 36, "outside the valid range"),
        ("server:\n  parameters: {bytea_output: x}\n", 2, 30, "parameter \"bytea_output\": \"x\""),
        ("server:\n  parameters: {statement_timeout: x}\n", 2, 35, "parameter \"statement_timeout\""),
    ])
    func errorsNameLineAndColumn(yaml: String, line: Int, column: Int, message: String) {
        do {
            _ = try MockScript(yaml: yaml)
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// The server parameters serve reads are kept as PostgreSQL keeps them; others as written.
    @Test func serverParametersServeReadsAreNormalisedAsPostgreSQLKeepsThem() throws {
        let script = try MockScript(
            yaml: """
                server:
                  parameters: {DateStyle: iso, TimeZone: europe/paris, client_encoding: utf8, bytea_output: HEX,
                               IntervalStyle: SQL_STANDARD, extra_float_digits: " 2", application_name: x y,
                               in_hot_standby: maybe}
                """)
        #expect(
            script.parameters.map(\.value) == [
                "ISO, MDY", "Europe/Paris", "UTF8", "hex", "sql_standard", "2", "x y", "maybe",
            ])
    }

    @Test func noticesWithoutACodeHavePostgreSQLsDefaultForTheirSeverity() throws {
        let script = try MockScript(
            yaml: """
                rules:
                  - match: "select 1"
                    notices: [{severity: WARNING, message: w}, {message: n}, {severity: info, message: i},
                              {severity: WARNING, code: "01P01", message: d}]
                """)
        #expect(
            script.rules.first?.notices.map { "\($0.severity ?? "") \($0.sqlState ?? "")" } == [
                "WARNING 01000", "NOTICE 00000", "INFO 00000", "WARNING 01P01",
            ])
    }

    @Test func errorSeveritiesAreNormalisedAndServerVersionsNumbered() throws {
        let script = try MockScript(
            yaml:
                "server:\n  version: 9.6.24\nrules:\n  - match: \"select 1\"\n    error: {severity: fatal, message: m}\n"
        )
        guard case .error(let diagnostic) = script.rules.first?.outcome else {
            Issue.record("expected an error rule")
            return
        }
        #expect(diagnostic.severity == "FATAL")
        for (version, number) in [
            ("9.6.24", 90624), ("9.6", 90600), ("16.4", 160004), ("18.0 (pgw)", 180000), ("17beta1", 170000),
        ] {
            #expect(ServerVersion.isValid(version) && ServerVersion.number(of: version) == number, "\(version)")
        }
        for version in ["", "abc", "9", "16.4.1", ".5", "1.2.3.4"] {
            #expect(!ServerVersion.isValid(version), "\(version)")
        }
        var session = QuerySession(
            responder: ServerEmulationResponder(serverVersion: "9.6.24"),
            reportedParameters: [("server_version", "9.6.24")])
        let replies = session.handle(.query(Query("show server_version_num")))
        #expect(replies.contains(.dataRow(DataRow(columns: [ByteBuffer(string: "90624")]))))
    }

    @Test func rulesMatchByFingerprintParametersTimesAndOrder() throws {
        let responder = try Self.responder(
            """
            rules:
              - name: first
                match: "SELECT name FROM users WHERE id = 1"
                params: ["1"]
                columns: [{name: name}]
                rows: [[alice]]
              - match: {regex: "^insert into audit"}
                tag: "INSERT 0 1"
                times: 1
              - match: {exact: "select later"}
                after: first
                tag: "SELECT 0"
            """)
        #expect(responder.outcome(of: "select later", parameters: [], settings: [:]) != .command(tag: "SELECT 0"))
        // Other white space, letter case and a bound value that equals the rule's match.
        let bound = responder.outcome(of: "select  name from users where id = $1", parameters: ["1"], settings: [:])
        #expect(
            bound == .result(columns: [ResultColumn(name: "name", type: .text)], rows: [["alice"]], tag: "SELECT 1"))
        // Another value: no rows, in the rule's shape; a literal value counts as the parameter.
        let other = responder.outcome(of: "select name from users where id = 2", parameters: [], settings: [:])
        #expect(other == .result(columns: [ResultColumn(name: "name", type: .text)], rows: [], tag: "SELECT 0"))
        #expect(responder.outcome(of: "select later", parameters: [], settings: [:]) == .command(tag: "SELECT 0"))
        #expect(
            responder.outcome(of: "INSERT INTO audit VALUES (1)", parameters: [], settings: [:])
                == .command(tag: "INSERT 0 1"))
        #expect(
            responder.outcome(of: "insert into audit values (2)", parameters: [], settings: [:])
                != .command(tag: "INSERT 0 1"))
        let report = responder.verificationReport()
        #expect(
            report.unmatchedStatements == [
                #"select name from users where id = 2 (its values ["2"]; rule 'first' at line 2 answers ["1"])"#,
                "insert into audit values (2) (rule at line 7 already answered 1 time, times: 1)",
            ])
        // Bound values are named as such.
        _ = responder.outcome(of: "SELECT name FROM users WHERE id = $1", parameters: ["3"], settings: [:])
        #expect(
            responder.verificationReport().unmatchedStatements.last
                == #"SELECT name FROM users WHERE id = $1 with parameters ["3"] (rule 'first' at line 2 answers ["1"])"#
        )
        #expect(report.unusedRules.isEmpty)
        // A statement too long to parse or fingerprint (and nested too deep for it) is simply unmatched.
        let huge = "select " + String(repeating: "1+", count: 200_000) + "1"
        #expect(responder.outcome(of: huge, parameters: [], settings: [:]).resultColumns?.map(\.name) == ["echo"])
        // Constant SELECTs share a fingerprint; the output column names tell them apart.
        let constants = try Self.responder("rules:\n  - match: select 42 as answer\n    tag: X\n")
        #expect(constants.outcome(of: "select 1", parameters: [], settings: [:]) != .command(tag: "X"))
        #expect(constants.outcome(of: "SELECT 7 AS answer", parameters: [], settings: [:]) == .command(tag: "X"))
    }

    @Test func paramTypesDescribeTheParametersClientsLeaveToTheServer() throws {
        let yaml = """
            rules:
              - match: "select name from users where id = $1 and born < $2"
                param_types: [integer, date]
                columns: [{name: name}]
                rows: [[alice]]
            """
        let responder = try Self.responder(yaml)
        #expect(try MockScript(yaml: yaml).rules[0].parameterTypes == [.int4, PostgresType(name: "date", oid: 1082)])
        #expect(responder.parameterTypes(of: "SELECT name FROM users WHERE id = $1 AND born < $2") == [23, 1082])
        #expect(responder.parameterTypes(of: "select name from users") == [])
        // In a session: a Parse without types (asyncpg's) is described with the rule's; the client's own win.
        var session = QuerySession(responder: responder)
        _ = session.handle(.parse(Parse(name: "a", query: "select name from users where id = $1 and born < $2")))
        _ = session.handle(
            .parse(
                Parse(name: "b", query: "select name from users where id = $1 and born < $2", parameterTypes: [20])))
        #expect(
            session.handle(.describe(.statement("a"))).first
                == .parameterDescription(ParameterDescription(parameterTypes: [23, 1082])))
        #expect(
            session.handle(.describe(.statement("b"))).first
                == .parameterDescription(ParameterDescription(parameterTypes: [20, 1082])))
    }

    /// A statement a rule answers only for other values: with `unmatched: error`, the error (not an empty result);
    /// otherwise no rows in the rule's columns, with the statement's own tag.
    @Test func otherValuesThanTheRulesAreUnmatched() throws {
        let rules = """
            rules:
              - match: "insert into t (a) values ($1) returning id"
                params: ["1"]
                columns: [{name: id, type: int8}]
                rows: [[7]]
                tag: "INSERT 0 1"
            """
        let strict = try Self.responder("unmatched: error\n" + rules)
        let statement = "insert into t (a) values ($1) returning id"
        guard case .error(let error) = strict.outcome(of: statement, parameters: ["2"], settings: [:]) else {
            Issue.record("expected 0A000")
            return
        }
        #expect(error.sqlState == "0A000")
        #expect(
            try Self.responder(rules).outcome(of: statement, parameters: ["2"], settings: [:])
                == .result(columns: [ResultColumn(name: "id", type: .int8)], rows: [], tag: "INSERT 0 0"))
    }

    /// A statement a rule matches but that rule may not answer (used up by `times`, or waiting for its `after`
    /// rule) is unmatched with the reason, in `--verify`'s report and in the HINT of the client's error.
    @Test func unmatchedStatementsSayWhyTheRuleThatMatchesDidNotAnswer() throws {
        let responder = try Self.responder(ServeStackTests.verificationScript)
        /// The HINT of the statement's error, `answered` when a rule answered it.
        func hint(_ statement: String) -> String? {
            guard case .error(let error) = responder.outcome(of: statement, parameters: [], settings: [:]) else {
                return "answered"
            }
            return error[.hint]
        }
        #expect(hint("select name from users where id = 1") == "answered")
        #expect(hint("select name from users where id = 1") == "Rule at line 3 already answered 1 time, times: 1.")
        #expect(hint("select balance from accounts where user_id = 1") == "Rule at line 11 waits for rule 'login'.")
        #expect(hint("select id from users where name = 'a'") == "answered")
        #expect(hint("select balance from accounts where user_id = 1") == "answered")
        #expect(hint("select name from nothing") == nil)
        #expect(
            responder.verificationReport().unmatchedStatements == [
                "select name from users where id = 1 (rule at line 3 already answered 1 time, times: 1)",
                "select balance from accounts where user_id = 1 (rule at line 11 waits for rule 'login')",
                "select name from nothing",
            ])
        // A rule used up for other values does not tell why; a named one is named.
        let named = try Self.responder(
            """
            rules:
              - name: twice
                match: "select 1 from t where a = $1"
                params: ["1"]
                tag: "SELECT 1"
                times: 2
            """)
        for _ in 1...3 { _ = named.outcome(of: "select 1 from t where a = $1", parameters: ["1"], settings: [:]) }
        _ = named.outcome(of: "select 1 from t where a = $1", parameters: ["2"], settings: [:])
        #expect(
            named.verificationReport().unmatchedStatements == [
                #"select 1 from t where a = $1 with parameters ["1"] (rule 'twice' at line 2 already answered 2 times, "#
                    + "times: 2)",
                #"select 1 from t where a = $1 with parameters ["2"]"#,
            ])
    }

    /// A statement that does not parse gets PostgreSQL's 42601 whatever `unmatched` says, and counts for `--verify`
    /// (no rule expected it), sent in a simple query or a Parse; constant SELECTs and catalog queries do not count.
    @Test(arguments: [UnmatchedStatementPolicy.echo, .empty, .error])
    func statementsThatDoNotParseAreUnmatched(unmatched: UnmatchedStatementPolicy) throws {
        let responder = try Self.responder("unmatched: \(unmatched)\nrules: []\n")
        var session = QuerySession(responder: responder)
        #expect(
            QuerySessionTests.transcript(
                [
                    .query(Query("selec id from users")), .query(Query("select relname from pg_class")),
                    .query(Query("select 1")), .query(Query("select set_config('app.tenant', '42', false)")),
                    .parse(Parse(query: "delete form users where id = $1")), .sync,
                ], in: &session) == [
                    "E 42601 syntax error at or near \"selec\"", "Z I", "T relname", "C SELECT 0", "Z I", "T ?column?",
                    "D 1", "C SELECT 1", "Z I", "T set_config", "D 42", "C SELECT 1", "Z I",
                    "E 42601 syntax error at or near \"form\"", "Z I",
                ])
        #expect(
            responder.verificationReport().unmatchedStatements == [
                #"selec id from users (42601 syntax error at or near "selec")"#,
                #"delete form users where id = $1 (42601 syntax error at or near "form")"#,
            ])
    }

    /// An unmatched statement's error holds the statement whole in its DETAIL up to 8 KiB, a longer one cut at a
    /// character and marked with `…`, with a HINT that the report and the log hold it whole.
    @Test func unmatchedErrorsHoldTheStatementUpToABound() throws {
        let responder = try Self.responder("unmatched: error\nrules: []\n")
        func error(_ statement: String) -> DiagnosticMessage? {
            guard case .error(let error) = responder.outcome(of: statement, parameters: [], settings: [:]) else {
                return nil
            }
            return error
        }
        let wide = "select " + (0..<60).map { "col\($0)" }.joined(separator: ", ") + " from wide_table where id = 1"
        #expect(error(wide)?[.detail] == wide && error(wide)?[.hint] == nil)
        let limit = ServerEmulationResponder.longestStatementInError
        let exact = "select '" + String(repeating: "x", count: limit - 16) + "' from t"
        #expect(exact.utf8.count == limit && error(exact)?[.detail] == exact)
        // Two-byte characters: the cut keeps whole ones, and the marker's three bytes fit in the bound.
        let long = "select '" + String(repeating: "é", count: limit) + "' from t"
        let detail = try #require(error(long)?[.detail])
        #expect(detail.hasSuffix("é…") && detail.utf8.count <= limit && detail.utf8.count > limit - 4)
        #expect(
            error(long)?[.hint]
                == "The statement is cut here; pgw serve's --verify report and --log file hold it whole.")
        #expect(responder.verificationReport().unmatchedStatements.last == long)
    }

    @Test func executeWithARowLimitSuspendsThePortal() throws {
        let responder = try Self.responder(
            "rules:\n  - match: select n from t\n    columns: [{name: n, type: int4}]\n    rows: [[1], [2], [3]]\n")
        var session = QuerySession(responder: responder)
        _ = session.handle(.parse(Parse(query: "select n from t")))
        _ = session.handle(.bind(Bind()))
        let row = { (value: String) in BackendMessage.dataRow(DataRow(columns: [ByteBuffer(string: value)])) }
        #expect(session.handle(.execute(Execute(maxRows: 2))) == [row("1"), row("2"), .portalSuspended])
        // As PostgreSQL 15: the tag counts the rows of the Execute that completes the portal.
        #expect(
            session.handle(.execute(Execute(maxRows: 2))) == [
                row("3"), .commandComplete(CommandComplete(tag: "SELECT 1")),
            ])
        #expect(session.handle(.execute(Execute())) == [.commandComplete(CommandComplete(tag: "SELECT 0"))])
        #expect(session.handle(.sync) == [.readyForQuery(.idle)])
        // A limit that takes the last row still suspends (PostgreSQL does not look beyond it); no limit sends the
        // rest, counted.
        _ = session.handle(.bind(Bind()))
        #expect(session.handle(.execute(Execute(maxRows: 3))) == [row("1"), row("2"), row("3"), .portalSuspended])
        #expect(session.handle(.execute(Execute(maxRows: 3))) == [.commandComplete(CommandComplete(tag: "SELECT 0"))])
        _ = session.handle(.bind(Bind()))
        _ = session.handle(.execute(Execute(maxRows: 1)))
        #expect(
            session.handle(.execute(Execute())) == [
                row("2"), row("3"), .commandComplete(CommandComplete(tag: "SELECT 2")),
            ])
        #expect(session.handle(.sync) == [.readyForQuery(.idle)])
    }

    /// A column asked for in binary goes out in binary (RowDescription says so); one whose type or value has no
    /// binary form here is refused at Execute with 0A000, as PostgreSQL never mixes formats, and the transaction
    /// fails like after any error.
    @Test(arguments: [(Int32(0), "point", "(1,2)"), (0, "interval", "1 day ago"), (2, "interval", "1 day ago")])
    func binaryResultsThatCannotBeEncodedAreRefusedAtExecute(maxRows: Int32, type: String, value: String) throws {
        let responder = try Self.responder(
            """
            rules:
              - match: select id, v from t
                columns: [{name: id, type: int4}, {name: v, type: \(type)}]
                rows: [[1, "\(value)"]]
              - match: select id, tags, took from u
                columns: [{name: id, type: int4}, {name: tags, type: "text[]"}, {name: took, type: interval}]
                rows: [[1, "{a,NULL}", "1 day"]]
            """)
        var session = QuerySession(responder: responder)
        _ = session.handle(.query(Query("begin")))
        _ = session.handle(.parse(Parse(query: "select id, tags, took from u")))
        _ = session.handle(.bind(Bind(resultFormats: [.binary])))
        #expect(
            session.handle(.execute(Execute(maxRows: maxRows)))
                == [
                    .dataRow(
                        DataRow(columns: [
                            ByteBuffer(bytes: [0, 0, 0, 1]),
                            BinaryValueEncoder.encode("{a,NULL}", type: 1009),
                            BinaryValueEncoder.encode("1 day", type: 1186),
                        ])),
                    .commandComplete(CommandComplete(tag: "SELECT 1")),
                ])
        _ = session.handle(.parse(Parse(query: "select id, v from t")))
        _ = session.handle(.bind(Bind(resultFormats: [.text, .binary])))
        #expect(
            session.handle(.describe(.portal("")))
                == [
                    .rowDescription(
                        RowDescription(columns: [
                            .init(name: "id", dataTypeOID: 23),
                            .init(name: "v", dataTypeOID: PostgresType.named(type)!.oid, format: .binary),
                        ]))
                ])
        let refused = session.handle(.execute(Execute(maxRows: maxRows)))
        guard case .errorResponse(let error) = refused.first, refused.count == 1 else {
            Issue.record("expected the refusal, got \(refused)")
            return
        }
        #expect(error.sqlState == "0A000" && error.message == "pgw serve cannot send type \(type) in binary format")
        #expect(session.handle(.execute(Execute())) == [])
        #expect(session.handle(.sync) == [.readyForQuery(.failed)])
    }

    /// Column types are read as PostgreSQL's grammar reads type names, with the type modifier PostgreSQL's
    /// RowDescription gives (PostgreSQL 15's for the same casts), and values as the type's input function reads them.
    /// An error rule's `position` is the ErrorResponse's P field (psql's `LINE 1: …` caret); it must be a character
    /// index.
    @Test func errorRulesCarryAPosition() throws {
        let script = try MockScript(
            yaml: "rules:\n  - match: select nosuch(1)\n    error: {code: '42883', message: m, position: 8}\n")
        var expected = DiagnosticMessage(severity: "ERROR", sqlState: "42883", message: "m")
        expected.fields.append(DiagnosticMessage.Field(.position, "8"))
        #expect(script.rules.first?.outcome == .error(expected))
        let refused = #expect(throws: ScriptError.self) {
            try MockScript(yaml: "rules:\n  - match: select 1\n    error: {message: m, position: x}\n")
        }
        #expect(
            refused?.description.contains("'position' x is not a character index (a number from 1)") == true,
            "\(String(describing: refused))")
    }

    /// An error rule carries the fields PostgreSQL sends about the object, the context and the source location,
    /// under PL/pgSQL's `RAISE … USING` names, in PostgreSQL's field order whatever the script's key order.
    @Test func errorRulesCarryTheObjectFieldsPostgreSQLSends() throws {
        let script = try MockScript(
            yaml: """
                rules:
                  - match: insert into u values (1)
                    error: {routine: _bt_check_unique, constraint: u_pkey, table: u, schema: public, code: '23505',
                            message: m, column: c, datatype: int4, where: "SQL function f", internal_query: "q",
                            internal_position: 2, file: nbtinsert.c, line: "664", position: 3}
                """)
        var expected = DiagnosticMessage(severity: "ERROR", sqlState: "23505", message: "m")
        let fields: [(DiagnosticField, String)] = [
            (.position, "3"), (.internalPosition, "2"), (.internalQuery, "q"), (.context, "SQL function f"),
            (.schemaName, "public"), (.tableName, "u"), (.columnName, "c"), (.dataTypeName, "int4"),
            (.constraintName, "u_pkey"), (.file, "nbtinsert.c"), (.line, "664"), (.routine, "_bt_check_unique"),
        ]
        expected.fields += fields.map { DiagnosticMessage.Field($0, $1) }
        #expect(script.rules.first?.outcome == .error(expected))
        let refused = #expect(throws: ScriptError.self) {
            try MockScript(yaml: "rules:\n  - match: select 1\n    error: {message: m, internal_position: x}\n")
        }
        #expect(
            refused?.description.contains("'internal_position' x is not a number from 1") == true,
            "\(String(describing: refused))")
    }

    @Test func typeNamesAndValuesAreReadAsPostgreSQLReadsThem() throws {
        let types = [
            ("numeric(10,2)", PostgresType.numeric, Int32(655_366), "1.255", "1.26"),
            ("varchar(100)", .varchar, 104, "a", "a"),
            ("character varying(100)", .varchar, 104, "a", "a"),
            (#""char""#, PostgresType(name: "char", oid: 18), -1, "x", "x"),
            ("char", .bpchar, 5, "x", "x"),
            ("char(5)", .bpchar, 9, "ab", "ab   "),
            ("pg_catalog.int4", .int4, -1, " 7 ", "7"),
            ("timestamp(3) with time zone", .timestamptz, 3, "2024-02-29 12:34:56.5+00", "2024-02-29 12:34:56.5+00"),
            ("interval(3)", PostgresType(name: "interval", oid: 1186), 2_147_418_115, "1 day", "1 day"),
            ("interval day to second", PostgresType(name: "interval", oid: 1186), 470_351_871, "1 day", "1 day"),
            ("varchar(10)[]", PostgresType(name: "_varchar", oid: 1015), 14, "{a}", "{a}"),
            ("numeric(3,-1)", .numeric, 198_659, "12", "12"),
            ("bool", .bool, -1, "1", "t"),
            ("boolean", .bool, -1, "yes", "t"),
            ("bool", .bool, -1, "on", "t"),
            ("bool", .bool, -1, "TRUE", "t"),
            ("bool", .bool, -1, " t ", "t"),
            ("bool", .bool, -1, "off", "f"),
        ]
        for (type, expected, typeModifier, value, read) in types {
            let script = try MockScript(
                yaml: "rules:\n  - match: select v from t\n    columns: [{name: v, type: '\(type)'}]\n"
                    + "    rows: [['\(value)']]\n")
            #expect(
                script.rules.first?.outcome
                    == .result(
                        columns: [ResultColumn(name: "v", type: expected, typeModifier: typeModifier)],
                        rows: [[read]], tag: "SELECT 1"), "\(type)")
        }
    }
}
