import PostgresGateway
import PostgresWire
import Testing

/// Transactions as PostgreSQL 15 runs them: settings undone by ROLLBACK and ROLLBACK TO SAVEPOINT, SET LOCAL until
/// the transaction ends, transaction characteristics, savepoints, chained transactions, statements refused in a
/// block, DISCARD ALL and `set_config`. Every expected transcript is what `psql -At -c … -c …` printed against
/// PostgreSQL 15.18 for the same statements.
extension QuerySessionTests {
    /// What psql with `-At` prints for each query (one `-c` each): warnings and errors as `WARNING:  message`
    /// and `ERROR:  message`, rows as values joined by `|`, the command tag of a statement without rows.
    static func transcript(_ queries: [String], in session: inout QuerySession) -> [String] {
        var lines: [String] = []
        for query in queries {
            var hasRows = false
            var tag: String?
            for reply in session.handle(.query(Query(query))) {
                switch reply {
                case .noticeResponse(let notice): lines.append("\(notice.severity ?? ""):  \(notice.message ?? "")")
                case .errorResponse(let error): lines.append("ERROR:  \(error.message ?? "")")
                case .rowDescription: hasRows = true
                case .dataRow(let row):
                    lines.append(row.columns.map { $0.map { String(buffer: $0) } ?? "" }.joined(separator: "|"))
                case .commandComplete(let complete): tag = complete.tag
                default: break
                }
            }
            if !hasRows, let tag { lines.append(tag) }
        }
        return lines
    }

    /// The transcript of `queries` in a fresh session.
    static func transcript(_ queries: [String]) -> [String] {
        var session = Self.session()
        return transcript(queries, in: &session)
    }

    @Test func settingsChangedInATransactionFollowItsEnd() {
        #expect(
            Self.transcript([
                "begin", "set local statement_timeout = 100", "commit", "show statement_timeout",
                "begin", "set time zone 'Asia/Tokyo'", "rollback", "show timezone",
                "begin", "savepoint a", "set work_mem='2MB'", "rollback to savepoint a", "show work_mem",
                "set work_mem='3MB'", "savepoint b", "set local work_mem='5MB'", "release b", "show work_mem", "commit",
                "show work_mem",
                "begin", "set work_mem='6MB'", "set local work_mem='7MB'", "commit", "show work_mem",
                "begin", "set local work_mem='8MB'", "set work_mem='9MB'", "commit", "show work_mem",
                "begin", "set work_mem='10MB'", "select 1/0", "rollback", "show work_mem",
            ]) == [
                "BEGIN", "SET", "COMMIT", "0",
                "BEGIN", "SET", "ROLLBACK", "UTC",
                "BEGIN", "SAVEPOINT", "SET", "ROLLBACK", "4MB",
                "SET", "SAVEPOINT", "SET", "RELEASE", "5MB", "COMMIT", "3MB",
                "BEGIN", "SET", "SET", "COMMIT", "6MB",
                "BEGIN", "SET", "SET", "COMMIT", "9MB",
                "BEGIN", "SET", "ERROR:  division by zero", "ROLLBACK", "9MB",
            ])
        // Outside a block SET LOCAL lasts for its statement, or for the query of several statements it is in.
        #expect(
            Self.transcript([
                "set local statement_timeout=100", "show statement_timeout",
                "set local statement_timeout=100; show statement_timeout", "show statement_timeout",
                "set transaction isolation level serializable; show transaction_isolation",
                "show transaction_isolation",
            ]) == [
                "WARNING:  SET LOCAL can only be used in transaction blocks", "SET", "0", "100ms", "0", "serializable",
                "read committed",
            ])
    }

    /// SET CONSTRAINTS (Django's TestCase sends it after every test) is session plumbing: its tag, PostgreSQL's
    /// warning outside a transaction block (none in a query of several statements, an implicit block), answered
    /// even when unmatched statements are errors, and not unmatched for `--verify`. PostgreSQL looks the names up
    /// in its tables (42704 for one it lacks); without tables, serve takes them.
    @Test func setConstraintsIsSessionPlumbing() throws {
        let responder = try MockScriptTests.responder("unmatched: error\nrules: []\n")
        var session = QuerySession(responder: responder)
        #expect(
            Self.transcript(
                [
                    "set constraints all deferred", "begin", "set constraints all immediate", "commit",
                    "set constraints all deferred; select 1", "SET CONSTRAINTS ALL IMMEDIATE",
                ], in: &session) == [
                    "WARNING:  SET CONSTRAINTS can only be used in transaction blocks", "SET CONSTRAINTS", "BEGIN",
                    "SET CONSTRAINTS", "COMMIT", "1",
                    "WARNING:  SET CONSTRAINTS can only be used in transaction blocks", "SET CONSTRAINTS",
                ])
        #expect(
            Self.transcript(["begin", "set constraints orders_fk, public.items_fk deferred", "rollback"], in: &session)
                == ["BEGIN", "SET CONSTRAINTS", "ROLLBACK"])
        #expect(responder.verificationReport().unmatchedStatements.isEmpty)
        #expect(ServerEmulationResponder.isSessionControl("SET CONSTRAINTS ALL IMMEDIATE"))
    }

    @Test func rolledBackReportedSettingsAreReportedAgain() {
        var session = QuerySession(
            responder: ServerEmulationResponder(serverVersion: "15.18"), reportedParameters: [("TimeZone", "UTC")])
        _ = session.handle(.query(Query("begin")))
        #expect(
            session.handle(.query(Query("set timezone = 'Asia/Tokyo'"))) == [
                .commandComplete(CommandComplete(tag: "SET")),
                .parameterStatus(ParameterStatus(name: "TimeZone", value: "Asia/Tokyo")),
                .readyForQuery(.inTransaction),
            ])
        #expect(
            session.handle(.query(Query("rollback"))) == [
                .commandComplete(CommandComplete(tag: "ROLLBACK")),
                .parameterStatus(ParameterStatus(name: "TimeZone", value: "UTC")), .readyForQuery(.idle),
            ])
        // An error in a query of several statements undoes them all.
        #expect(
            session.handle(.query(Query("set timezone = 'Asia/Tokyo'; select 1/0"))).filter {
                if case .parameterStatus = $0 { true } else { false }
            } == [
                .parameterStatus(ParameterStatus(name: "TimeZone", value: "Asia/Tokyo")),
                .parameterStatus(ParameterStatus(name: "TimeZone", value: "UTC")),
            ])
    }

    @Test func transactionCharacteristicsAsPostgreSQLShowsThem() {
        #expect(
            Self.transcript([
                "begin isolation level serializable read only deferrable", "show transaction_isolation",
                "show transaction_read_only", "show transaction_deferrable", "commit and chain",
                "show transaction_isolation", "show transaction_read_only", "show transaction_deferrable", "select 1/0",
                "commit and chain", "show transaction_isolation", "rollback and chain", "show transaction_isolation",
                "rollback", "commit and chain", "rollback and chain", "show transaction_isolation",
                "commit and no chain",
            ]) == [
                "BEGIN", "serializable", "on", "on", "COMMIT", "serializable", "on", "on", "ERROR:  division by zero",
                "ROLLBACK", "serializable", "ROLLBACK", "serializable", "ROLLBACK",
                "ERROR:  COMMIT AND CHAIN can only be used in transaction blocks",
                "ERROR:  ROLLBACK AND CHAIN can only be used in transaction blocks", "read committed",
                "WARNING:  there is no transaction in progress", "COMMIT",
            ])
        #expect(
            Self.transcript([
                "begin", "set transaction_isolation='serializable'", "show transaction_isolation", "commit",
                "show transaction_isolation", "set transaction_isolation='serializable'", "show transaction_isolation",
                "begin", "set default_transaction_isolation='serializable'", "show transaction_isolation", "rollback",
                "show default_transaction_isolation",
                "set session characteristics as transaction read only, isolation level serializable, deferrable",
                "show default_transaction_read_only", "show default_transaction_deferrable",
                "show default_transaction_isolation", "show transaction_isolation", "reset all",
                "show default_transaction_isolation", "show transaction_read_only",
                "set default_transaction_isolation='foo'", "set default_transaction_isolation='REPEATABLE READ'",
                "show default_transaction_isolation", "set default_transaction_read_only='maybe'",
                "set default_transaction_read_only='tr'", "show default_transaction_read_only",
            ]) == [
                "BEGIN", "SET", "serializable", "COMMIT", "read committed", "SET", "read committed",
                "BEGIN", "SET", "read committed", "ROLLBACK", "read committed",
                "SET", "on", "on", "serializable", "serializable", "RESET", "read committed", "off",
                "ERROR:  invalid value for parameter \"default_transaction_isolation\": \"foo\"", "SET",
                "repeatable read", "ERROR:  parameter \"default_transaction_read_only\" requires a Boolean value",
                "SET", "on",
            ])
        // Outside a block, as PostgreSQL's psycopg session showed it.
        #expect(
            Self.transcript([
                "set session characteristics as transaction isolation level repeatable read",
                "show default_transaction_isolation", "show transaction_isolation",
                "set transaction isolation level serializable", "set default_transaction_read_only = on", "begin",
                "show transaction_read_only", "rollback",
            ]) == [
                "SET", "repeatable read", "repeatable read",
                "WARNING:  SET TRANSACTION can only be used in transaction blocks", "SET", "SET", "BEGIN", "on",
                "ROLLBACK",
            ])
    }

    @Test func transactionCharacteristicsAreFixedOnceTheTransactionRan() {
        #expect(
            Self.transcript([
                "begin", "select 1", "set transaction isolation level serializable", "rollback",
                "begin", "select 1", "set transaction isolation level read committed", "set transaction read only",
                "show transaction_read_only", "set transaction read write", "rollback",
                "begin read only", "set transaction read write", "rollback",
                "begin", "savepoint a", "set transaction isolation level serializable", "rollback",
                "begin", "savepoint a", "set transaction deferrable", "rollback",
                "begin", "select 1", "set transaction not deferrable", "rollback",
            ]) == [
                "BEGIN", "1", "ERROR:  SET TRANSACTION ISOLATION LEVEL must be called before any query", "ROLLBACK",
                "BEGIN", "1", "SET", "SET", "on", "ERROR:  transaction read-write mode must be set before any query",
                "ROLLBACK",
                "BEGIN", "SET", "ROLLBACK",
                "BEGIN", "SAVEPOINT", "ERROR:  SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction",
                "ROLLBACK",
                "BEGIN", "SAVEPOINT",
                "ERROR:  SET TRANSACTION [NOT] DEFERRABLE cannot be called within a subtransaction", "ROLLBACK",
                "BEGIN", "1", "ERROR:  SET TRANSACTION [NOT] DEFERRABLE must be called before any query", "ROLLBACK",
            ])
    }

    @Test func savepointsAsPostgreSQLChecksThem() {
        #expect(
            Self.transcript([
                "savepoint x", "rollback to savepoint x", "release savepoint x",
                "begin", "rollback to savepoint nope", "rollback", "begin", "release savepoint nope", "rollback",
                "begin", "savepoint a", "savepoint b", "release a", "rollback to b", "rollback",
                "begin", "select 1/0", "rollback to nope", "rollback to nope", "rollback",
                "begin", "savepoint a", "select 1/0", "release a", "rollback to a", "select 2", "release a",
                "release a", "commit",
            ]) == [
                "ERROR:  SAVEPOINT can only be used in transaction blocks",
                "ERROR:  ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
                "ERROR:  RELEASE SAVEPOINT can only be used in transaction blocks",
                "BEGIN", "ERROR:  savepoint \"nope\" does not exist", "ROLLBACK",
                "BEGIN", "ERROR:  savepoint \"nope\" does not exist", "ROLLBACK",
                "BEGIN", "SAVEPOINT", "SAVEPOINT", "RELEASE", "ERROR:  savepoint \"b\" does not exist", "ROLLBACK",
                "BEGIN", "ERROR:  division by zero", "ERROR:  savepoint \"nope\" does not exist",
                "ERROR:  savepoint \"nope\" does not exist", "ROLLBACK",
                "BEGIN", "SAVEPOINT", "ERROR:  division by zero",
                "ERROR:  current transaction is aborted, commands ignored until end of transaction block", "ROLLBACK",
                "2", "RELEASE", "ERROR:  savepoint \"a\" does not exist", "ROLLBACK",
            ])
    }

    @Test func statementsPostgreSQLRunsOnlyOutsideATransactionBlock() {
        #expect(
            Self.transcript([
                "begin", "discard all", "rollback", "begin", "vacuum", "rollback", "begin", "create database x",
                "rollback", "begin", "discard plans", "discard temp", "discard sequences", "rollback",
                "select 1; vacuum", "vacuum; select 1", "select 1; discard all", "vacuum", "discard all",
                "vacuum; -- a comment", "vacuum; /* a comment */",
            ]) == [
                "BEGIN", "ERROR:  DISCARD ALL cannot run inside a transaction block", "ROLLBACK",
                "BEGIN", "ERROR:  VACUUM cannot run inside a transaction block", "ROLLBACK",
                "BEGIN", "ERROR:  CREATE DATABASE cannot run inside a transaction block", "ROLLBACK",
                "BEGIN", "DISCARD PLANS", "DISCARD TEMP", "DISCARD SEQUENCES", "ROLLBACK",
                "1", "ERROR:  VACUUM cannot run inside a transaction block",
                "ERROR:  VACUUM cannot run inside a transaction block",
                "1", "ERROR:  DISCARD ALL cannot run inside a transaction block", "VACUUM", "DISCARD ALL", "VACUUM",
                "VACUUM",
            ])
    }

    @Test func discardAllDropsPreparedStatementsAndPortals() {
        var session = Self.session()
        for message: FrontendMessage in [
            .parse(Parse(name: "s1", query: "select 1")), .bind(Bind(portal: "p1", statement: "s1")), .sync,
        ] {
            _ = session.handle(message)
        }
        #expect(
            Self.transcript(
                ["prepare q as select 2", "set work_mem = '8MB'", "discard all", "execute q", "show work_mem"],
                in: &session) == [
                    "PREPARE", "SET", "DISCARD ALL", "ERROR:  prepared statement \"q\" does not exist", "4MB",
                ])
        for message: FrontendMessage in [.bind(Bind(statement: "s1")), .sync, .execute(Execute(portal: "p1")), .sync] {
            #expect(Self.firstError(in: session.handle(message)) != nil || message == .sync, "\(message)")
        }
        // DEALLOCATE ALL drops them as well, protocol-level ones included.
        _ = session.handle(.parse(Parse(name: "s2", query: "select 1")))
        _ = session.handle(.sync)
        #expect(Self.transcript(["deallocate all"], in: &session) == ["DEALLOCATE ALL"])
        #expect(
            Self.firstError(in: session.handle(.bind(Bind(statement: "s2"))))?.message
                == "prepared statement \"s2\" does not exist")
    }

    @Test func setConfigAnsweredByAScriptRuleStillChangesTheSetting() throws {
        let yaml = """
            rules:
              - match: "SELECT set_config('TimeZone', 'UTC', false)"
                columns: [{name: set_config, type: text}]
                rows: [[UTC]]
            """
        let responder = ScriptResponder(
            rules: try MockScript(yaml: yaml).rules, fallback: ServerEmulationResponder(serverVersion: "15.18"))
        var session = QuerySession(responder: responder)
        #expect(
            Self.transcript(["SELECT set_config('TimeZone', 'Europe/Paris', false)", "show timezone"], in: &session)
                == ["UTC", "Europe/Paris"])
        #expect(responder.verificationReport().unusedRules.isEmpty)
    }

    @Test func setConfigChangesTheSettingAsSetDoes() {
        var session = Self.session()
        #expect(
            Self.transcript(
                [
                    "select set_config('statement_timeout','100',false)", "show statement_timeout",
                    "select set_config('TimeZone','America/New_York',false)", "show timezone",
                    "select set_config('work_mem','5MB',true)", "show work_mem",
                    "select set_config('nope','5MB',true)", "begin", "select set_config('work_mem','6MB',true)",
                    "show work_mem", "commit", "show work_mem",
                ], in: &session) == [
                    "100ms", "100ms", "America/New_York", "America/New_York", "5MB", "4MB",
                    "ERROR:  unrecognized configuration parameter \"nope\"", "BEGIN", "6MB", "6MB", "COMMIT", "4MB",
                ])
        // A reported setting is reported before ReadyForQuery; Django's bound form too.
        for message: FrontendMessage in [
            .parse(Parse(query: "SELECT set_config('TimeZone', $1, false)")),
            .bind(Bind(parameters: [Self.text("UTC")])),
            .execute(Execute()),
        ] {
            _ = session.handle(message)
        }
        #expect(
            session.handle(.sync) == [
                .parameterStatus(ParameterStatus(name: "TimeZone", value: "UTC")), .readyForQuery(.idle),
            ])
    }
}
