import NIOCore
import PostgresGateway
import PostgresWire
import Testing

/// Settings, startup options, statement_timeout and prepared statements of SQL, as PostgreSQL 15 answers them
/// (each expected answer checked against PostgreSQL 15).
extension QuerySessionTests {
    /// The text values of the DataRows `replies` hold.
    static func values(in replies: [BackendMessage]) -> [String?] {
        replies.flatMap { reply -> [String?] in
            guard case .dataRow(let row) = reply else { return [] }
            return row.columns.map { $0.map { String(buffer: $0) } }
        }
    }

    /// The first error of `replies`.
    static func firstError(in replies: [BackendMessage]) -> DiagnosticMessage? {
        for case .errorResponse(let diagnostic) in replies { return diagnostic }
        return nil
    }

    @Test func startupOptionsSetSettingsAsPostgreSQLReadsThem() {
        var session = QuerySession(
            responder: ServerEmulationResponder(serverVersion: "16.4"),
            settings: ["options": #"-c statement_timeout=500 -csearch_path=a\ b --lock-timeout=1min -x"#])
        #expect(Self.values(in: session.handle(.query(Query("show statement_timeout")))) == ["500ms"])
        #expect(Self.values(in: session.handle(.query(Query("show search_path")))) == ["a b"])
        #expect(Self.values(in: session.handle(.query(Query("show lock_timeout")))) == ["1min"])
    }

    @Test func statementTimeoutCancelsAScriptedDelay() throws {
        let responder = try MockScriptTests.responder("rules:\n  - match: select pg_sleep(5)\n    delay: 5s\n")
        for (settings, set) in [
            (["options": "-c statement_timeout=500"], nil), (["statement_timeout": "500"], nil),
            ([:], "set statement_timeout = '500ms'"),
        ] {
            var session = QuerySession(responder: responder, settings: settings)
            if let set { _ = session.handle(.query(Query(set))) }
            _ = session.handle(.query(Query("begin")))
            #expect(session.handle(.query(Query("select pg_sleep(5)"))) == [])
            #expect(session.pendingDelay == .milliseconds(500))
            #expect(
                session.finishDelay() == [
                    .errorResponse(
                        DiagnosticMessage(
                            severity: "ERROR", sqlState: "57014",
                            message: "canceling statement due to statement timeout")),
                    .readyForQuery(.failed),
                ], "\(settings)")
        }
        // A delay shorter than the timeout answers.
        var session = QuerySession(responder: responder, settings: ["statement_timeout": "10s"])
        _ = session.handle(.query(Query("select pg_sleep(5)")))
        #expect(session.pendingDelay == .seconds(5))
        // In the extended protocol too, and the server's parameters count as startup ones.
        session = QuerySession(responder: responder, reportedParameters: [("statement_timeout", "1s")])
        for message: FrontendMessage in [
            .parse(Parse(query: "select pg_sleep(5)")), .bind(Bind()), .execute(Execute()),
        ] {
            _ = session.handle(message)
        }
        #expect(session.pendingDelay == .seconds(1))
        #expect(Self.firstError(in: session.finishDelay())?.sqlState == "57014")
    }

    @Test func setChecksAndNormalisesValuesAsPostgreSQL() {
        let shown: [(String, String)] = [
            ("set statement_timeout = 5", "5ms"), ("set statement_timeout = '1s'", "1s"),
            ("set statement_timeout = '1.5s'", "1500ms"), ("set statement_timeout = 60000", "1min"),
            ("set statement_timeout = '1500us'", "2ms"), ("set statement_timeout = '0x10'", "16ms"),
            ("set datestyle = german", "German, DMY"), ("set datestyle = 'sql'", "SQL, MDY"),
            ("set datestyle = 'euro'", "ISO, DMY"), ("set timezone = 'europe/paris'", "Europe/Paris"),
            ("set timezone = 'UTC+3'", "UTC+3"), ("set x.y = 1", "1"),
            ("set client_encoding = 'latin1'", "LATIN1"), ("set client_encoding = 'unicode'", "UTF8"),
            ("set client_encoding = 'sql-ascii'", "SQL_ASCII"), ("set extra_float_digits = ' 2 '", "2"),
            ("set extra_float_digits = '2.6'", "3"), ("set extra_float_digits = '-0x0f'", "-15"),
            ("set bytea_output = 'HEX'", "hex"), ("set intervalstyle = 'ISO_8601'", "iso_8601"),
        ]
        for (set, value) in shown {
            var session = Self.session()
            #expect(Self.firstError(in: session.handle(.query(Query(set)))) == nil, "\(set)")
            let name = set.split(separator: " ")[1]
            #expect(Self.values(in: session.handle(.query(Query("show \(name)")))) == [value], "\(set)")
        }
        let refused: [(String, String, String)] = [
            ("set statement_timeout = 'abc'", "22023", "invalid value for parameter \"statement_timeout\": \"abc\""),
            (
                "set statement_timeout = -1", "22023",
                "-1 ms is outside the valid range for parameter \"statement_timeout\" (0 .. 2147483647)"
            ),
            ("set x = 1", "42704", "unrecognized configuration parameter \"x\""),
            ("reset x", "42704", "unrecognized configuration parameter \"x\""),
            ("set timezone = 'nosuch/zone'", "22023", "invalid value for parameter \"TimeZone\": \"nosuch/zone\""),
            ("set timezone = 'abc'", "22023", "invalid value for parameter \"TimeZone\": \"abc\""),
            ("set datestyle = bogus", "22023", "invalid value for parameter \"DateStyle\": \"bogus\""),
            ("set client_encoding = 'FOO'", "22023", "invalid value for parameter \"client_encoding\": \"FOO\""),
            (
                "set max_connections = 5", "55P02",
                "parameter \"max_connections\" cannot be changed without restarting the server"
            ),
            ("set server_version = '1'", "55P02", "parameter \"server_version\" cannot be changed"),
            ("set extra_float_digits = 'x'", "22023", "invalid value for parameter \"extra_float_digits\": \"x\""),
            (
                "set extra_float_digits = 4", "22023",
                "4 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)"
            ),
            ("set bytea_output = 'x'", "22023", "invalid value for parameter \"bytea_output\": \"x\""),
            ("set intervalstyle = 'x'", "22023", "invalid value for parameter \"intervalstyle\": \"x\""),
        ]
        for (set, code, message) in refused {
            var session = Self.session()
            _ = session.handle(.query(Query("begin")))
            let replies = session.handle(.query(Query(set)))
            let error = Self.firstError(in: replies)
            #expect(error?.sqlState == code && error?.message == message, "\(set): \(String(describing: error))")
            #expect(replies.last == .readyForQuery(.failed), "\(set)")
        }
        // A SET of DateStyle reports the value PostgreSQL shows.
        var session = Self.session()
        #expect(
            session.handle(.query(Query("set datestyle = german"))).contains(
                .parameterStatus(ParameterStatus(name: "DateStyle", value: "German, DMY"))))
    }

    @Test func showAllAndPasswordEncryptionAnswerAsPostgreSQL() {
        var session = Self.session()
        #expect(session.handle(.query(Query("show all"))).contains(.commandComplete(CommandComplete(tag: "SHOW"))))
        #expect(Self.values(in: session.handle(.query(Query("show password_encryption")))) == ["scram-sha-256"])
        // What psql's \password sends: completes as ALTER ROLE.
        #expect(
            session.handle(.query(Query("ALTER USER alice PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5'")))
                == [.commandComplete(CommandComplete(tag: "ALTER ROLE")), .readyForQuery(.idle)])
    }

    /// Each as PostgreSQL 15.18 shows it in a fresh cluster (but the port and paths of its installation).
    @Test func settingsASessionDidNotChangeShowPostgreSQLsDefaults() {
        var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "15.18"))
        let shown = [
            ("ssl", "off"), ("port", "5432"), ("shared_buffers", "128MB"), ("wal_level", "replica"),
            ("timezone_abbreviations", "Default"), ("application_name", ""), ("max_wal_size", "1GB"),
            ("random_page_cost", "4"), ("enable_seqscan", "on"), ("checkpoint_timeout", "5min"),
        ]
        for (name, value) in shown {
            #expect(Self.values(in: session.handle(.query(Query("show \(name)")))) == [value], "\(name)")
            #expect(
                Self.values(in: session.handle(.query(Query("select current_setting('\(name)')")))) == [value],
                "\(name)")
        }
        // The column is named as PostgreSQL spells the setting; SET and RESET change it as any other.
        let replies = session.handle(.query(Query("show TIMEZONE_ABBREVIATIONS")))
        #expect(
            replies.contains {
                if case .rowDescription(let description) = $0 {
                    description.columns.first?.name == "timezone_abbreviations"
                } else {
                    false
                }
            })
        _ = session.handle(.query(Query("set random_page_cost = 1.1")))
        #expect(Self.values(in: session.handle(.query(Query("show random_page_cost")))) == ["1.1"])
        _ = session.handle(.query(Query("reset random_page_cost")))
        #expect(Self.values(in: session.handle(.query(Query("show random_page_cost")))) == ["4"])
        #expect(Self.firstError(in: session.handle(.query(Query("show nope"))))?.sqlState == "42704")
    }

    @Test func executeRunsThePreparedStatement() {
        var session = Self.session()
        #expect(
            session.handle(.query(Query("prepare p(int, text) as select $1 + 1 as n, $2 as t"))) == [
                .commandComplete(CommandComplete(tag: "PREPARE")), .readyForQuery(.idle),
            ])
        let replies = session.handle(.query(Query("execute p(41, 'x')")))
        #expect(Self.values(in: replies) == ["42", "x"])
        #expect(replies.contains(.commandComplete(CommandComplete(tag: "SELECT 1"))))
        let cases: [(String, String, String)] = [
            ("prepare p as select 2", "42P05", "prepared statement \"p\" already exists"),
            ("execute q", "26000", "prepared statement \"q\" does not exist"),
            ("execute p(1)", "42601", "wrong number of parameters for prepared statement \"p\""),
        ]
        for (statement, code, message) in cases {
            let error = Self.firstError(in: session.handle(.query(Query(statement))))
            #expect(error?.sqlState == code && error?.message == message, "\(statement)")
        }
        // PREPARE and Parse name the same statements.
        #expect(Self.error(after: [.parse(Parse(name: "p", query: "select 3"))], in: &session)?.sqlState == "42P05")
        _ = session.handle(.parse(Parse(name: "z", query: "select 3")))
        _ = session.handle(.sync)
        #expect(Self.values(in: session.handle(.query(Query("execute z")))) == ["3"])
        #expect(
            session.handle(.query(Query("deallocate all"))).first
                == .commandComplete(CommandComplete(tag: "DEALLOCATE ALL")))
        #expect(Self.firstError(in: session.handle(.query(Query("execute p(1, 'x')"))))?.sqlState == "26000")
    }
}
