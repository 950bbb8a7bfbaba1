import NIOCore
import PostgresGateway
import PostgresWire
import Testing

/// The mock server's query protocol handling with the server-emulation responder.
struct QuerySessionTests {
    static func session() -> QuerySession {
        QuerySession(
            responder: ServerEmulationResponder(serverVersion: "18.0 (pgw)"), settings: ["application_name": "tests"])
    }

    static func text(_ value: String) -> ByteBuffer { ByteBuffer(string: value) }

    @Test func simpleQueryEchoesTheStatement() {
        var session = Self.session()
        #expect(
            session.handle(.query(Query("select * from orders"))) == [
                .rowDescription(RowDescription(columns: [.init(name: "echo", dataTypeOID: 25)])),
                .dataRow(DataRow(columns: [Self.text("select * from orders")])),
                .commandComplete(CommandComplete(tag: "SELECT 1")),
                .readyForQuery(.idle),
            ]
        )
    }

    /// The echo row completes with the statement's own tag for one row, as PostgreSQL's psql shows it after an
    /// INSERT, UPDATE or DELETE … RETURNING of one row (drivers read the row count from it).
    @Test func echoedRowsCompleteWithTheStatementsOwnTag() {
        var session = Self.session()
        for (statement, tag) in [
            ("insert into users(name) values ('x') returning id", "INSERT 0 1"),
            ("update users set name = 'y' returning id", "UPDATE 1"),
            ("delete from users returning id", "DELETE 1"),
            ("values (1)", "SELECT 1"),
        ] {
            #expect(
                Self.transcript([.query(Query(statement))], in: &session) == [
                    "T echo", "D \(statement)", "C \(tag)", "Z I",
                ])
        }
        #expect(
            Self.transcript(
                [
                    .parse(Parse(query: "insert into users(name) values ($1) returning id")),
                    .bind(Bind(parameters: [Self.text("x")])), .execute(Execute()), .sync,
                ], in: &session) == [
                    "ParseComplete", "BindComplete", "D insert into users(name) values ('x') returning id",
                    "C INSERT 0 1", "Z I",
                ])
    }

    @Test func versionSetAndShowBehaveLikePostgreSQL() {
        var session = Self.session()
        let version = session.handle(.query(Query("SELECT version()")))
        #expect(version.contains(.dataRow(DataRow(columns: [Self.text("PostgreSQL 18.0 (pgw) on pgw")]))))
        let set = session.handle(.query(Query("SET application_name = 'my app'")))
        #expect(
            set == [
                .commandComplete(CommandComplete(tag: "SET")),
                .parameterStatus(ParameterStatus(name: "application_name", value: "my app")), .readyForQuery(.idle),
            ]
        )
        #expect(
            session.handle(.query(Query("show application_name"))).contains(
                .dataRow(DataRow(columns: [Self.text("my app")]))))
        let unknown = session.handle(.query(Query("show nothing_here")))
        guard case .errorResponse(let error) = unknown.first else {
            Issue.record("expected an error, got \(unknown)")
            return
        }
        #expect(error.sqlState == "42704")
    }

    @Test func transactionStatusFollowsBeginErrorAndRollback() {
        var session = Self.session()
        #expect(session.handle(.query(Query("BEGIN"))).last == .readyForQuery(.inTransaction))
        #expect(session.handle(.query(Query("show missing"))).last == .readyForQuery(.failed))
        let ignored = session.handle(.query(Query("select 1")))
        guard case .errorResponse(let error) = ignored.first else {
            Issue.record("expected 25P02")
            return
        }
        #expect(error.sqlState == "25P02")
        #expect(
            session.handle(.query(Query("COMMIT"))) == [
                .commandComplete(CommandComplete(tag: "ROLLBACK")), .readyForQuery(.idle),
            ])
    }

    @Test func transactionCommandsWarnAsPostgreSQL() {
        var session = Self.session()
        _ = session.handle(.query(Query("BEGIN")))
        #expect(
            session.handle(.query(Query("BEGIN"))) == [
                .noticeResponse(
                    DiagnosticMessage(
                        severity: "WARNING", sqlState: "25001", message: "there is already a transaction in progress")),
                .commandComplete(CommandComplete(tag: "BEGIN")), .readyForQuery(.inTransaction),
            ])
        _ = session.handle(.query(Query("COMMIT")))
        for command in ["COMMIT", "ROLLBACK"] {
            #expect(
                session.handle(.query(Query(command))) == [
                    .noticeResponse(
                        DiagnosticMessage(
                            severity: "WARNING", sqlState: "25P01", message: "there is no transaction in progress")),
                    .commandComplete(CommandComplete(tag: command)), .readyForQuery(.idle),
                ])
        }
    }

    @Test func aScriptRuleAnsweringTransactionControlStillChangesTheSession() throws {
        let yaml = """
            rules:
              - {match: "BEGIN", tag: "BEGIN", times: 1}
              - {match: "SET TimeZone = 'UTC'", tag: "SET"}
            """
        let responder = ScriptResponder(
            rules: try MockScript(yaml: yaml).rules, fallback: ServerEmulationResponder(serverVersion: "16.4"))
        var session = QuerySession(responder: responder, settings: ["TimeZone": "Europe/Paris"])
        #expect(session.handle(.query(Query("begin"))).last == .readyForQuery(.inTransaction))
        #expect(
            session.handle(.query(Query("set timezone = 'UTC'"))).contains(
                .parameterStatus(ParameterStatus(name: "TimeZone", value: "UTC"))))
        #expect(session.handle(.query(Query("rollback"))).last == .readyForQuery(.idle))
        #expect(responder.verificationReport().unusedRules.isEmpty)
    }

    /// Text that is not UTF-8 (the decoder keeps byte 0xE9 as the scalar U+10FFE9) is PostgreSQL's 22021, naming
    /// the bytes as PostgreSQL does (checked against PostgreSQL 15), unless the client said it sends another encoding.
    @Test func statementsThatAreNotUTF8AreRefused() {
        let invalid = "select '\u{10FFE9}x'"
        let expected = BackendMessage.errorResponse(
            DiagnosticMessage(
                severity: "ERROR", sqlState: "22021",
                message: "invalid byte sequence for encoding \"UTF8\": 0xe9 0x78 0x27"))
        var session = Self.session()
        #expect(session.handle(.query(Query(invalid))) == [expected, .readyForQuery(.idle)])
        #expect(
            session.handle(.parse(Parse(query: "select 1 \u{10FFFF}")))
                == [
                    .errorResponse(
                        DiagnosticMessage(
                            severity: "ERROR", sqlState: "22021",
                            message: "invalid byte sequence for encoding \"UTF8\": 0xff"))
                ])
        var latin1 = QuerySession(
            responder: ServerEmulationResponder(serverVersion: "16.4"), settings: ["client_encoding": "LATIN1"])
        #expect(!latin1.handle(.query(Query(invalid))).contains(expected))
        // Its text goes back as the bytes it came as.
        #expect(
            latin1.handle(.query(Query("select 'caf\u{10FFE9}'"))).contains(
                .dataRow(DataRow(columns: [ByteBuffer(bytes: Array("caf".utf8) + [0xE9])]))))
    }

    /// With `client_encoding` LATIN1 or WIN1252, text is converted both ways as PostgreSQL converts it (checked
    /// against PostgreSQL 15): statements and parameters are read into UTF-8 before rules match them, values and
    /// column names go out in the client's encoding, and a character it does not have is 22P05.
    @Test func textIsConvertedToAndFromTheClientEncoding() throws {
        let yaml = """
            rules:
              - match: "select name from users where name = $1"
                params: ["héllo"]
                columns: [{name: "nämé"}]
                rows: [["héllo wörld"]]
              - match: "select price"
                columns: [{name: price}]
                rows: [["5 €"]]
            """
        let responder = ScriptResponder(
            rules: try MockScript(yaml: yaml).rules, fallback: ServerEmulationResponder(serverVersion: "16.4"))
        var latin1 = QuerySession(responder: responder, settings: ["client_encoding": "LATIN1"])
        // `héllo` in LATIN1: é is byte 0xE9 (kept as the scalar U+10FFE9 by the decoder).
        let replies = latin1.handle(.query(Query("select name from users where name = 'h\u{10FFE9}llo'")))
        let value: [UInt8] = [0x68, 0xE9, 0x6C, 0x6C, 0x6F, 0x20, 0x77, 0xF6, 0x72, 0x6C, 0x64]
        #expect(replies.contains(.dataRow(DataRow(columns: [ByteBuffer(bytes: value)]))), "\(replies)")
        let description = replies.compactMap { if case .rowDescription(let columns) = $0 { columns } else { nil } }
        #expect(description.first.map { WireText.originalBytes($0.columns[0].name) } == [0x6E, 0xE4, 0x6D, 0xE9])
        _ = latin1.handle(.parse(Parse(query: "select name from users where name = $1")))
        _ = latin1.handle(.bind(Bind(parameters: [ByteBuffer(bytes: [0x68, 0xE9, 0x6C, 0x6C, 0x6F])])))
        #expect(QueryEngineTests.rows(latin1.handle(.execute(Execute()))).count == 1)
        _ = latin1.handle(.sync)
        #expect(
            QueryEngineTests.error(latin1.handle(.query(Query("select price"))))
                == DiagnosticMessage(
                    severity: "ERROR", sqlState: "22P05",
                    message: "character with byte sequence 0xe2 0x82 0xac in encoding \"UTF8\" has no equivalent in "
                        + "encoding \"LATIN1\""))
        var windows = QuerySession(responder: responder, settings: ["client_encoding": "WIN1252"])
        #expect(
            windows.handle(.query(Query("select price"))).contains(
                .dataRow(DataRow(columns: [ByteBuffer(bytes: Array("5 ".utf8) + [0x80])]))))
    }

    @Test func multipleStatementsAndEmptyQueries() {
        var session = Self.session()
        let replies = session.handle(.query(Query("select 'a;b'; begin; commit")))
        #expect(replies.filter { if case .commandComplete = $0 { true } else { false } }.count == 3)
        #expect(replies.contains(.dataRow(DataRow(columns: [Self.text("a;b")]))))
        #expect(session.handle(.query(Query("  "))) == [.emptyQueryResponse, .readyForQuery(.idle)])
    }

    @Test func extendedProtocolBindsParameters() {
        var session = Self.session()
        #expect(
            session.handle(.parse(Parse(name: "s", query: "select * from t where a = $1 or b = $2"))) == [
                .parseComplete
            ])
        #expect(
            session.handle(.describe(.statement("s"))) == [
                .parameterDescription(ParameterDescription(parameterTypes: [25, 25])),
                .rowDescription(RowDescription(columns: [.init(name: "echo", dataTypeOID: 25)])),
            ]
        )
        let bind = Bind(statement: "s", parameters: [Self.text("it's"), nil], resultFormats: [.binary])
        #expect(session.handle(.bind(bind)) == [.bindComplete])
        #expect(
            session.handle(.describe(.portal(""))) == [
                .rowDescription(RowDescription(columns: [.init(name: "echo", dataTypeOID: 25, format: .binary)]))
            ]
        )
        #expect(
            session.handle(.execute(Execute())) == [
                .dataRow(DataRow(columns: [Self.text("select * from t where a = 'it''s' or b = NULL")])),
                .commandComplete(CommandComplete(tag: "SELECT 1")),
            ]
        )
        #expect(session.handle(.sync) == [.readyForQuery(.idle)])
        #expect(session.handle(.close(.statement("s"))) == [.closeComplete])
    }

    @Test func binaryParametersOfCommonTypesBecomeText() {
        var session = Self.session()
        _ = session.handle(
            .parse(
                Parse(name: "", query: "select * from t where ($1, $2, $3) = (a, b, c)", parameterTypes: [21, 20, 16])))
        let bind = Bind(
            parameterFormats: [.binary],
            parameters: [
                ByteBuffer(bytes: [0, 2]), ByteBuffer(bytes: [255, 255, 255, 255, 255, 255, 255, 254]),
                ByteBuffer(bytes: [1]),
            ]
        )
        _ = session.handle(.bind(bind))
        #expect(
            session.handle(.execute(Execute())).first
                == .dataRow(DataRow(columns: [Self.text("select * from t where ('2', '-2', 't') = (a, b, c)")])))
    }

    @Test func parametersHaveTheirDeclaredTypes() {
        // As psycopg binds `select %s` to 5, true and 1.5: PostgreSQL answers an int2, a bool and a numeric.
        var session = Self.session()
        _ = session.handle(.parse(Parse(name: "", query: "select $1, $2, $3, $4", parameterTypes: [21, 16, 1700, 0])))
        _ = session.handle(
            .bind(Bind(parameters: [Self.text("5"), Self.text("true"), Self.text("1.50"), Self.text("x")])))
        #expect(
            session.handle(.describe(.portal(""))) == [
                .rowDescription(
                    RowDescription(columns: [
                        .init(name: "?column?", dataTypeOID: 21), .init(name: "?column?", dataTypeOID: 16),
                        .init(name: "?column?", dataTypeOID: 1700), .init(name: "?column?", dataTypeOID: 25),
                    ]))
            ])
        #expect(
            session.handle(.execute(Execute())).first
                == .dataRow(DataRow(columns: [Self.text("5"), Self.text("t"), Self.text("1.50"), Self.text("x")])))
        _ = session.handle(.sync)
        // An invalid value is PostgreSQL's 22P02.
        _ = session.handle(.parse(Parse(name: "", query: "select $1", parameterTypes: [23])))
        _ = session.handle(.bind(Bind(parameters: [Self.text("five")])))
        guard case .errorResponse(let error) = session.handle(.execute(Execute())).first else {
            Issue.record("expected 22P02")
            return
        }
        #expect(error.sqlState == "22P02" && error.message == "invalid input syntax for type integer: \"five\"")
    }

    @Test func unspecifiedParameterTypesAreInferredAsPostgreSQLInfersThem() {
        let cases: [(String, [UInt32])] = [
            ("select $1 + 1", [23]), ("select 2.5 * $1", [1700]), ("select $1 = true", [16]),
            ("select $1 + 5000000000", [20]), ("select $1::int8 + $2::date", [20, 1082]),
            ("select 1 where $1", [16]), ("select 1 where $1 and $2 = 1", [16, 23]),
            ("select * from t limit $1 offset $2", [20, 20]), ("select $1 || 'a', $2 = 'b'", [25, 25]),
            ("select $1::int4 + $1", [23]), ("select count(*) from t where id = $1", [25]),
        ]
        for (query, types) in cases {
            var session = Self.session()
            _ = session.handle(.parse(Parse(name: "s", query: query)))
            #expect(
                session.handle(.describe(.statement("s"))).first
                    == .parameterDescription(ParameterDescription(parameterTypes: types)), "\(query)")
        }
        // A type the client gave wins.
        var session = Self.session()
        _ = session.handle(.parse(Parse(name: "s", query: "select $1 + 1", parameterTypes: [20])))
        #expect(
            session.handle(.describe(.statement("s"))).first
                == .parameterDescription(ParameterDescription(parameterTypes: [20])))
    }

    @Test func extendedErrorsSkipUntilSync() {
        var session = Self.session()
        let replies = session.handle(.bind(Bind(statement: "missing")))
        guard case .errorResponse(let error) = replies.first else {
            Issue.record("expected 26000")
            return
        }
        #expect(error.sqlState == "26000")
        #expect(session.handle(.parse(Parse(query: "select 1"))) == [])
        #expect(session.handle(.sync) == [.readyForQuery(.idle)])
        #expect(session.handle(.parse(Parse(query: "select 1"))) == [.parseComplete])
    }
}
