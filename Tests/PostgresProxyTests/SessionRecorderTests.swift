import Foundation
import NIOCore
import PostgresGateway
import PostgresWire
import Testing

@testable import PostgresProxy

/// The recorder without sockets: which statements become rules, and the script `pgw serve` reads back.
struct SessionRecorderTests {
    @Test func extendedProtocolErrorsSkipToSyncAndScriptsReadBack() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let frontend: [FrontendMessage] = [
            .parse(Parse(query: "select $1::int as n")), .bind(Bind(parameters: [ByteBuffer(string: "5")])),
            .describe(.portal("")), .execute(Execute()),
            .parse(Parse(query: "select nonsense(")), .bind(Bind()), .execute(Execute()), .sync,
            .parse(Parse(query: "select 'a b'::tsvector as v")), .bind(Bind(resultFormats: [.binary])),
            .execute(Execute()),
            .sync,
            .query(Query("select 1/0; select 2")), .query(Query("copy t to stdout")),
            .query(Query("notify c, 'p'")),
        ]
        for message in frontend { recorder.observe(message) }
        let backend: [BackendMessage] = [
            .parameterStatus(ParameterStatus(name: "server_version", value: "15.4")),
            .parameterStatus(ParameterStatus(name: "TimeZone", value: "UTC")),
            .parseComplete, .bindComplete,
            .rowDescription(RowDescription(columns: [.init(name: "n", dataTypeOID: 23)])),
            .dataRow(DataRow(columns: [ByteBuffer(string: "5")])), .commandComplete(CommandComplete(tag: "SELECT 1")),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "42601", message: "syntax error")),
            .readyForQuery(.idle),
            .parseComplete, .bindComplete,
            .rowDescription(RowDescription(columns: [.init(name: "v", dataTypeOID: 3614, format: .binary)])),
            .dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 0, 0, 2])])),
            .commandComplete(CommandComplete(tag: "SELECT 1")),
            .readyForQuery(.idle),
            .noticeResponse(DiagnosticMessage(severity: "NOTICE", sqlState: "00000", message: "careful")),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero")),
            .readyForQuery(.idle),
            .copyOutResponse(CopyResponse(format: 0, columnFormats: [.text, .text])),
            .copyData(CopyData(data: ByteBuffer(string: "1\ta\n"))), .copyDone,
            .commandComplete(CommandComplete(tag: "COPY 1")), .readyForQuery(.idle),
            .commandComplete(CommandComplete(tag: "NOTIFY")),
            .notificationResponse(NotificationResponse(processID: 7, channel: "c", payload: "p")),
            .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(yaml.hasPrefix("# Recorded by pgw proxy: 4 statements (1 not recordable"), "\(yaml)")
        let script = try MockScript(yaml: yaml)
        #expect(script.serverVersion == "15.4")
        #expect(script.parameters.map(\.name) == ["TimeZone"])
        #expect(script.unmatched == .error)
        #expect(
            script.rules.map(\.pattern.text) == [
                "exact select $1::int as n", "exact select 1/0", "exact copy t to stdout", "exact notify c, 'p'",
            ])
        #expect(script.rules.allSatisfy { $0.times == 1 })
        #expect(script.rules[0].parameters == ["5"])
        #expect(
            script.rules[0].outcome
                == .result(columns: [ResultColumn(name: "n", type: .int4)], rows: [["5"]], tag: "SELECT 1"))
        #expect(script.rules[1].notices.map(\.message) == ["careful"])
        #expect(
            script.rules[1].outcome
                == .error(DiagnosticMessage(severity: "ERROR", sqlState: "22012", message: "division by zero")))
        #expect(script.rules[2].outcome == .copyOut("1\ta\n"))
        guard
            case .notifying(let notifications, after: .command(tag: "NOTIFY", effect: .none)) = script.rules[3].outcome
        else {
            Issue.record("\(script.rules[3].outcome)")
            return
        }
        #expect(notifications.map(\.payload) == ["p"])
    }

    /// asyncpg's way: Parse without types, Describe of the statement, binary parameters and results, a row limit.
    @Test func serverDescribedTypesBinaryValuesAndRowLimitsAreRecorded() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let frontend: [FrontendMessage] = [
            .parse(Parse(name: "s", query: "select id, born from pet where id = $1")), .describe(.statement("s")),
            .flush,
            .bind(
                Bind(
                    statement: "s", parameterFormats: [.binary], parameters: [ByteBuffer(bytes: [0, 0, 0, 5])],
                    resultFormats: [.binary])),
            .execute(Execute(maxRows: 1)), .sync,
            // The portal's next Execute, after its row limit, adds its row to the portal's rule.
            .bind(Bind(portal: "p", statement: "s", parameters: [ByteBuffer(string: "6")])),
            .execute(Execute(portal: "p", maxRows: 1)), .execute(Execute(portal: "p", maxRows: 1)), .sync,
        ]
        for message in frontend { recorder.observe(message) }
        let backend: [BackendMessage] = [
            .parseComplete, .parameterDescription(ParameterDescription(parameterTypes: [23])),
            .rowDescription(
                RowDescription(columns: [.init(name: "id", dataTypeOID: 23), .init(name: "born", dataTypeOID: 1082)])),
            .bindComplete,
            .dataRow(DataRow(columns: [ByteBuffer(bytes: [0, 0, 0, 5]), ByteBuffer(bytes: [0, 0, 0x1c, 0x88])])),
            .portalSuspended, .readyForQuery(.idle),
            .bindComplete, .dataRow(DataRow(columns: [ByteBuffer(string: "6"), nil])), .portalSuspended,
            .dataRow(DataRow(columns: [ByteBuffer(string: "7"), nil])), .portalSuspended, .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(yaml.contains("param_types: [\"int4\"]"), "\(yaml)")
        let script = try MockScript(yaml: yaml)
        #expect(script.rules.count == 2, "\(yaml)")
        #expect(script.rules.map(\.parameters) == [["5"], ["6"]])
        #expect(script.rules.map(\.parameterTypes) == [[.int4], [.int4]])
        let columns = [
            ResultColumn(name: "id", type: .int4),
            ResultColumn(name: "born", type: PostgresType(name: "date", oid: 1082)),
        ]
        #expect(script.rules[0].outcome == .result(columns: columns, rows: [["5", "2019-12-31"]], tag: "SELECT 1"))
        #expect(
            script.rules[1].outcome == .result(columns: columns, rows: [["6", nil], ["7", nil]], tag: "SELECT 2"))
        #expect(!yaml.contains("not recordable"), "\(yaml)")
    }

    /// asyncpg's cursor: Executes of one portal with a row limit, each answered by PortalSuspended but the last, are
    /// one rule of all the rows the client fetched, in the place of the portal's first Execute, with the tag the
    /// server sent last (serve answers row-limited Executes from it with PortalSuspended again); a statement run
    /// between them keeps its own rule. A portal that fails after its row limit is counted as not recordable, not
    /// recorded as its first rows alone.
    @Test func aPortalResumedAfterItsRowLimitIsRecordedWithAllItsRows() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let series = "select generate_series(1, 5)"
        let frontend: [FrontendMessage] = [
            .query(Query("begin")),
            .parse(Parse(name: "c", query: series)), .describe(.statement("c")), .sync,
            .bind(Bind(portal: "p", statement: "c")), .execute(Execute(portal: "p", maxRows: 2)), .sync,
            .query(Query("select 'between'")),
            .execute(Execute(portal: "p", maxRows: 2)), .sync,
            .execute(Execute(portal: "p", maxRows: 2)), .sync,
            .bind(Bind(portal: "q", statement: "c")), .execute(Execute(portal: "q", maxRows: 2)), .sync,
            .execute(Execute(portal: "q", maxRows: 2)), .sync,
            .query(Query("commit")),
        ]
        for message in frontend { recorder.observe(message) }
        func rows(_ values: [String]) -> [BackendMessage] {
            values.map { .dataRow(DataRow(columns: [ByteBuffer(string: $0)])) }
        }
        var backend: [BackendMessage] = [
            .commandComplete(CommandComplete(tag: "BEGIN")), .readyForQuery(.inTransaction),
            .parseComplete, .parameterDescription(ParameterDescription(parameterTypes: [])),
            .rowDescription(RowDescription(columns: [.init(name: "generate_series", dataTypeOID: 23)])),
            .readyForQuery(.inTransaction), .bindComplete,
        ]
        backend += rows(["1", "2"]) + [.portalSuspended, .readyForQuery(.inTransaction)]
        backend += [.rowDescription(RowDescription(columns: [.init(name: "?column?", dataTypeOID: 25)]))]
        backend +=
            rows(["between"]) + [.commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.inTransaction)]
        backend += rows(["3", "4"]) + [.portalSuspended, .readyForQuery(.inTransaction)]
        backend += rows(["5"]) + [.commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.inTransaction)]
        backend += [.bindComplete] + rows(["1", "2"]) + [.portalSuspended, .readyForQuery(.inTransaction)]
        backend += [
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "57014", message: "canceling statement")),
            .readyForQuery(.failed), .commandComplete(CommandComplete(tag: "ROLLBACK")), .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(
            yaml.hasPrefix(
                "# Recorded by pgw proxy: 2 statements (1 not recordable: 1 portals failing after their row limit)"),
            "\(yaml)")
        let script = try MockScript(yaml: yaml)
        #expect(script.rules.map(\.pattern.text) == ["exact \(series)", "exact select 'between'"], "\(yaml)")
        #expect(
            script.rules.first?.outcome
                == .result(
                    columns: [ResultColumn(name: "generate_series", type: .int4)],
                    rows: [["1"], ["2"], ["3"], ["4"], ["5"]], tag: "SELECT 5"), "\(yaml)")
    }

    /// `--record-match fingerprint`: rules match by fingerprint without the recorded values, so a replay with other
    /// values (a timestamp written into the statement, a new bound key) takes the recorded answers in order.
    @Test func fingerprintRecordingsAnswerOtherValuesInOrder() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml", matching: .fingerprint)
        var recorder = SessionRecorder(recording: recording)
        for message: FrontendMessage in [
            .query(Query("insert into t values ('2026-12-02 01:09:58') returning id")),
            .parse(Parse(query: "select name from t where id = $1")),
            .bind(Bind(parameters: [ByteBuffer(string: "1")])),
            .execute(Execute()), .sync, .query(Query("select nonsense(")),
        ] {
            recorder.observe(message)
        }
        for message: BackendMessage in [
            .rowDescription(RowDescription(columns: [.init(name: "id", dataTypeOID: 23)])),
            .dataRow(DataRow(columns: [ByteBuffer(string: "41")])),
            .commandComplete(CommandComplete(tag: "INSERT 0 1")),
            .readyForQuery(.idle), .parseComplete, .bindComplete,
            .rowDescription(RowDescription(columns: [.init(name: "name", dataTypeOID: 25)])),
            .dataRow(DataRow(columns: [ByteBuffer(string: "alice")])),
            .commandComplete(CommandComplete(tag: "SELECT 1")),
            .readyForQuery(.idle),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "42601", message: "syntax error")),
            .readyForQuery(.idle),
        ] {
            recorder.observe(message)
        }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(!yaml.contains("params:") && yaml.contains(#"match: {exact: "select nonsense("}"#), "\(yaml)")
        let script = try MockScript(yaml: yaml)
        let responder = ScriptResponder(
            rules: script.rules, fallback: ServerEmulationResponder(serverVersion: "15", unmatched: .error))
        let inserted = responder.outcome(
            of: "insert into t values ('2026-12-03 10:00:00') returning id", parameters: [], settings: [:])
        #expect(
            inserted == .result(columns: [ResultColumn(name: "id", type: .int4)], rows: [["41"]], tag: "INSERT 0 1"))
        let selected = responder.outcome(of: "select name from t where id = $1", parameters: ["2"], settings: [:])
        #expect(
            selected == .result(columns: [ResultColumn(name: "name", type: .text)], rows: [["alice"]], tag: "SELECT 1"))
    }

    /// SET CONSTRAINTS (Django's TestCase sends it after every test) is left out like other SETs and transaction
    /// control: `pgw serve` answers it itself, so a recording does not depend on the number of tests.
    @Test func setConstraintsIsLeftOutLikeOtherSets() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        for statement in [
            "BEGIN", "SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED", "SELECT 1 AS n", "ROLLBACK",
        ] {
            recorder.observe(.query(Query(statement)))
        }
        for message: BackendMessage in [
            .commandComplete(CommandComplete(tag: "BEGIN")), .readyForQuery(.inTransaction),
            .commandComplete(CommandComplete(tag: "SET CONSTRAINTS")), .readyForQuery(.inTransaction),
            .commandComplete(CommandComplete(tag: "SET CONSTRAINTS")), .readyForQuery(.inTransaction),
            .rowDescription(RowDescription(columns: [.init(name: "n", dataTypeOID: 23)])),
            .dataRow(DataRow(columns: [ByteBuffer(string: "1")])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.inTransaction),
            .commandComplete(CommandComplete(tag: "ROLLBACK")), .readyForQuery(.idle),
        ] {
            recorder.observe(message)
        }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(try MockScript(yaml: yaml).rules.map(\.pattern.text) == ["exact SELECT 1 AS n"], "\(yaml)")
    }

    /// Messages too large for the tap to decode: the replies they ask for stay in step, and what they belong to
    /// is skipped rather than recorded wrongly.
    @Test func undecodedMessagesKeepRepliesInStepAndAreNotRecorded() {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        recorder.observe(.parse(Parse(query: "select $1::text as t")))
        recorder.observeUndecoded(typeByte: UInt8(ascii: "B"), fromClient: true)
        recorder.observe(.execute(Execute()))
        recorder.observe(.sync)
        recorder.observeUndecoded(typeByte: UInt8(ascii: "Q"), fromClient: true)
        recorder.observe(.query(Query("select 'small' as s")))
        recorder.observe(.query(Query("select 'large' as l")))
        let replies: [BackendMessage] = [
            .parseComplete, .bindComplete,
            .rowDescription(RowDescription(columns: [.init(name: "t", dataTypeOID: 25)])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
            .commandComplete(CommandComplete(tag: "INSERT 0 1")), .readyForQuery(.idle),
            .rowDescription(RowDescription(columns: [.init(name: "s", dataTypeOID: 25)])),
            .dataRow(DataRow(columns: [ByteBuffer(string: "small")])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
            .rowDescription(RowDescription(columns: [.init(name: "l", dataTypeOID: 25)])),
        ]
        for message in replies { recorder.observe(message) }
        recorder.observeUndecoded(typeByte: UInt8(ascii: "D"), fromClient: false)
        recorder.observe(.commandComplete(CommandComplete(tag: "SELECT 1")))
        recorder.observe(.readyForQuery(.idle))
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(
            yaml.hasPrefix(
                "# Recorded by pgw proxy: 1 statements (3 not recordable: 3 messages too large to decode (over 1 MiB; "
                    + "a Query or Parse over 16 MiB))."), "\(yaml)")
        #expect(yaml.contains("select 'small' as s") && !yaml.contains("'large'") && !yaml.contains("$1"), "\(yaml)")
    }

    /// A COPY … FROM STDIN that succeeded becomes a rule of its statement alone (serve takes the data again); one
    /// the server failed after taking data is skipped.
    @Test func copyFromStdinIsRecordedAsItsStatementAlone() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        recorder.observe(.query(Query("copy t from stdin")))
        recorder.observe(.query(Query("copy u from stdin")))
        let backend: [BackendMessage] = [
            .copyInResponse(CopyResponse(format: 0, columnFormats: [.text, .text])),
            .commandComplete(CommandComplete(tag: "COPY 2")), .readyForQuery(.idle),
            .copyInResponse(CopyResponse(format: 0, columnFormats: [.text])),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "22P02", message: "invalid input syntax")),
            .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(yaml.hasPrefix("# Recorded by pgw proxy: 1 statements (1 not recordable"), "\(yaml)")
        #expect(yaml.contains("  - match: \"copy t from stdin\"\n    times: 1\n"), "\(yaml)")
        let script = try MockScript(yaml: yaml)
        #expect(script.rules.count == 1)
        guard case .copyIn = try #require(script.rules.first).outcome else {
            Issue.record("expected a COPY FROM STDIN rule: \(yaml)")
            return
        }
    }

    /// An extended-protocol statement without parameters is matched by its text alone (`params: []` would be
    /// compared with its literal constants and never match); a binary COPY FROM STDIN is recorded as a text one;
    /// type modifiers and an error's position are kept; the first line counts what is left out by reason.
    @Test func parameterlessStatementsBinaryCopyTypeModifiersAndReasons() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let frontend: [FrontendMessage] = [
            .parse(Parse(query: "select 'a' as x, 1.25::numeric(5,2) as n, 'ab'::varchar(10) as v")),
            .bind(Bind()), .describe(.portal("")), .execute(Execute()), .sync,
            .query(Query("copy q from stdin (format binary)")),
            .query(Query("select nosuch(1)")),
            .functionCall(FunctionCall(functionOID: 1, argumentFormats: [], arguments: [], resultFormat: .text)),
            .query(Query("copy u from stdin")),
        ]
        for message in frontend { recorder.observe(message) }
        var failure = DiagnosticMessage(
            severity: "ERROR", sqlState: "42883", message: "function nosuch(integer) does not exist")
        failure.fields.append(DiagnosticMessage.Field(.position, "8"))
        let backend: [BackendMessage] = [
            .parseComplete, .bindComplete,
            .rowDescription(
                RowDescription(columns: [
                    .init(name: "x", dataTypeOID: 25), .init(name: "n", dataTypeOID: 1700, typeModifier: 327_686),
                    .init(name: "v", dataTypeOID: 1043, typeModifier: 14),
                ])),
            .dataRow(
                DataRow(columns: [ByteBuffer(string: "a"), ByteBuffer(string: "1.25"), ByteBuffer(string: "ab")])),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
            .copyInResponse(CopyResponse(format: 1, columnFormats: [.binary])),
            .commandComplete(CommandComplete(tag: "COPY 2")), .readyForQuery(.idle),
            .errorResponse(failure), .readyForQuery(.idle),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "42501", message: "permission denied")),
            .readyForQuery(.idle),
            .copyInResponse(CopyResponse(format: 0, columnFormats: [.text])),
            .errorResponse(DiagnosticMessage(severity: "ERROR", sqlState: "22P02", message: "invalid input syntax")),
            .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(
            yaml.hasPrefix(
                "# Recorded by pgw proxy: 3 statements (2 not recordable: 1 FunctionCall, 1 failed COPY FROM STDIN)."),
            "\(yaml)")
        #expect(!yaml.contains("params:"), "\(yaml)")
        #expect(yaml.contains(#"{name: "n", type: "numeric(5,2)"}, {name: "v", type: "varchar(10)"}"#), "\(yaml)")
        #expect(yaml.contains("position: 8"), "\(yaml)")
        let script = try MockScript(yaml: yaml)
        #expect(script.rules.count == 3, "\(yaml)")
        let columns = [
            ResultColumn(name: "x", type: .text), ResultColumn(name: "n", type: .numeric, typeModifier: 327_686),
            ResultColumn(name: "v", type: .varchar, typeModifier: 14),
        ]
        #expect(script.rules[0].outcome == .result(columns: columns, rows: [["a", "1.25", "ab"]], tag: "SELECT 1"))
        guard case .copyIn = script.rules[1].outcome else {
            Issue.record("expected a COPY FROM STDIN rule: \(yaml)")
            return
        }
        #expect(script.rules[2].outcome == .error(failure))
        // The statement without bound values is answered by its rule (its constants are not its `params`).
        let responder = ScriptResponder(
            rules: script.rules, fallback: ServerEmulationResponder(serverVersion: "15", unmatched: .error))
        let answer = responder.outcome(
            of: "select 'a' as x, 1.25::numeric(5,2) as n, 'ab'::varchar(10) as v", parameters: [], settings: [:])
        #expect(answer == script.rules[0].outcome)
    }

    /// A statement prepared and described but never executed (asyncpg's description of a table for
    /// `copy_records_to_table`) becomes a rule of its columns alone, which answers serve's Describe and counts as used;
    /// one executed (even when its Execute was sent before the Describe's answer) is recorded once, by its Execute.
    @Test func describedStatementsNeverExecutedAnswerTheReplaysDescribe() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let frontend: [FrontendMessage] = [
            .parse(Parse(name: "a", query: #"SELECT "id" FROM "q" LIMIT 1"#)), .describe(.statement("a")), .sync,
            .parse(Parse(name: "b", query: "select 1 as one")), .describe(.statement("b")),
            .bind(Bind(statement: "b")), .execute(Execute()), .sync,
        ]
        for message in frontend { recorder.observe(message) }
        let backend: [BackendMessage] = [
            .parseComplete, .parameterDescription(ParameterDescription(parameterTypes: [])),
            .rowDescription(RowDescription(columns: [.init(name: "id", dataTypeOID: 23)])), .readyForQuery(.idle),
            .parseComplete, .parameterDescription(ParameterDescription(parameterTypes: [])),
            .rowDescription(RowDescription(columns: [.init(name: "one", dataTypeOID: 23)])), .bindComplete,
            .dataRow(DataRow(columns: [ByteBuffer(string: "1")])), .commandComplete(CommandComplete(tag: "SELECT 1")),
            .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        let script = try MockScript(yaml: yaml)
        #expect(script.rules.map(\.pattern.text) == ["exact select 1 as one", #"exact SELECT "id" FROM "q" LIMIT 1"#])
        let responder = ScriptResponder(
            rules: script.rules, fallback: ServerEmulationResponder(serverVersion: "15", unmatched: .error))
        #expect(
            responder.resultColumns(of: #"SELECT "id" FROM "q" LIMIT 1"#, settings: [:])
                == [ResultColumn(name: "id", type: .int4)])
        _ = responder.outcome(of: "select 1 as one", parameters: [], settings: [:])
        #expect(responder.verificationReport().unusedRules.isEmpty, "\(yaml)")
    }

    /// A RowDescription's type modifier is written as the type's modifiers, which serve reads back to the same
    /// modifier.
    @Test(
        arguments: [
            (1700, 327_686, "numeric(5,2)"), (1700, 65_540, "numeric(1,0)"), (1043, 14, "varchar(10)"),
            (1042, 7, "char(3)"), (1184, 3, "timestamptz(3)"), (1083, 0, "time(0)"), (1560, 4, "bit(4)"),
            (1231, 327_686, "numeric(5,2)[]"), (1700, -1, "numeric"), (25, -1, "text"), (1186, 470_351_871, "interval"),
            (18, -1, #""char""#), (1002, -1, #""char"[]"#), (1700, 198_659, "numeric(3,-1)"),
            (1186, 2_147_418_115, "interval(3)"),
        ] as [(UInt32, Int32, String)])
    func typeModifiersAreSpelledAsServeReadsThem(oid: UInt32, typeModifier: Int32, spelled: String) throws {
        let type = try #require(PostgresType.known(oid: oid))
        #expect(type.declaration(typeModifier: typeModifier) == spelled)
        let script = try MockScript(
            yaml: "rules:\n  - match: \"select 1 as c\"\n    columns: [{name: c, type: '\(spelled)'}]\n")
        guard case .result(let columns, _, _) = try #require(script.rules.first).outcome else {
            Issue.record("\(script.rules)")
            return
        }
        let expected = spelled == "interval" ? -1 : typeModifier
        #expect(columns == [ResultColumn(name: "c", type: type, typeModifier: expected)])
    }

    /// A server-side cursor is recorded as serve replays it: one rule for its query, with the rows its FETCHes
    /// returned in their places (a row MOVE passed is all NULL), none for DECLARE, FETCH, MOVE and CLOSE; psycopg's
    /// named cursor with its bound value, a WITH HOLD cursor open at the end, and a DECLARE whose query failed.
    @Test func cursorsAreRecordedAsTheirQueryWithTheRowsFetched() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let frontend: [FrontendMessage] = [
            .query(
                Query(
                    "begin; declare c cursor for select id, name from items order by id; fetch 1 from c; "
                        + "move 2 in c; fetch next from c; fetch prior from c; "
                        + "declare s scroll cursor for select 2 as m; move absolute 10 in s; close c; commit")),
            .query(Query("declare h cursor with hold for select 1 as n; fetch all from h")),
            .query(Query("BEGIN")),
            .parse(Parse(query: #"DECLARE "c1" CURSOR WITHOUT HOLD FOR select id from items where id > $1"#)),
            .bind(Bind(parameters: [ByteBuffer(string: "2")])), .execute(Execute()), .sync,
            .describe(.portal("c1")), .sync,
            .query(Query(#"FETCH FORWARD 5 FROM "c1""#)), .query(Query(#"CLOSE "c1""#)), .query(Query("COMMIT")),
            .query(Query("begin; declare bad cursor for select * from missing")), .query(Query("rollback")),
        ]
        for message in frontend { recorder.observe(message) }
        let item = RowDescription(columns: [.init(name: "id", dataTypeOID: 23), .init(name: "name", dataTypeOID: 25)])
        let id = RowDescription(columns: [.init(name: "id", dataTypeOID: 23)])
        func complete(_ tag: String) -> BackendMessage { .commandComplete(CommandComplete(tag: tag)) }
        func row(_ values: String...) -> BackendMessage {
            .dataRow(DataRow(columns: values.map { ByteBuffer(string: $0) }))
        }
        let backend: [BackendMessage] = [
            complete("BEGIN"), complete("DECLARE CURSOR"),
            .rowDescription(item), row("1", "a"), complete("FETCH 1"), complete("MOVE 2"),
            .rowDescription(item), row("4", "d"), complete("FETCH 1"),
            .rowDescription(item), row("3", "c"), complete("FETCH 1"),
            complete("DECLARE CURSOR"), complete("MOVE 0"), complete("CLOSE CURSOR"), complete("COMMIT"),
            .readyForQuery(.idle),
            complete("DECLARE CURSOR"), .rowDescription(RowDescription(columns: [.init(name: "n", dataTypeOID: 23)])),
            row("1"), complete("FETCH 1"), .readyForQuery(.idle),
            complete("BEGIN"), .readyForQuery(.inTransaction),
            .parseComplete, .bindComplete, complete("DECLARE CURSOR"), .readyForQuery(.inTransaction),
            .rowDescription(id), .readyForQuery(.inTransaction),
            .rowDescription(id), row("3"), row("4"), complete("FETCH 2"), .readyForQuery(.inTransaction),
            complete("CLOSE CURSOR"), .readyForQuery(.inTransaction), complete("COMMIT"), .readyForQuery(.idle),
            complete("BEGIN"),
            .errorResponse(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "42P01", message: #"relation "missing" does not exist"#)),
            .readyForQuery(.failed), complete("ROLLBACK"), .readyForQuery(.idle),
        ]
        for message in backend { recorder.observe(message) }
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(
            yaml.hasPrefix(
                "# Recorded by pgw proxy: 4 statements (1 not recordable: 1 cursors moved past an end not reached "
                    + "before)"), "\(yaml)")
        for command in ["declare ", "fetch ", "move ", "close "] {
            #expect(!yaml.lowercased().contains(command), "\(yaml)")
        }
        let script = try MockScript(yaml: yaml)
        #expect(
            script.rules.map(\.pattern.text) == [
                "exact select id, name from items order by id", "exact select 1 as n",
                "exact select id from items where id > $1", "exact select * from missing",
            ], "\(yaml)")
        let columns = [ResultColumn(name: "id", type: .int4), ResultColumn(name: "name", type: .text)]
        #expect(
            script.rules[0].outcome
                == .result(
                    columns: columns, rows: [["1", "a"], [nil, nil], ["3", "c"], ["4", "d"]], tag: "SELECT 4"))
        #expect(
            script.rules[1].outcome
                == .result(columns: [ResultColumn(name: "n", type: .int4)], rows: [["1"]], tag: "SELECT 1"))
        #expect(script.rules[2].parameters == ["2"])
        #expect(
            script.rules[2].outcome
                == .result(columns: [ResultColumn(name: "id", type: .int4)], rows: [["3"], ["4"]], tag: "SELECT 2"))
        guard case .error(let error) = script.rules[3].outcome else {
            Issue.record("\(script.rules[3].outcome)")
            return
        }
        #expect(error.sqlState == "42P01")
    }

    @Test func writingIsAtomicAndRefusesASymbolicLink() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "script.yaml").path
        try ScriptRecording(path: path).write()
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("rules:\n  []"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["script.yaml"])
        let target = directory.appending(path: "elsewhere").path
        try FileManager.default.createSymbolicLink(atPath: path + ".link", withDestinationPath: target)
        // The link itself is replaced by the new file; nothing is written through it.
        try ScriptRecording(path: path + ".link").write()
        #expect(!FileManager.default.fileExists(atPath: target))
        let missing = #expect(throws: TrafficLogError.self) {
            try ScriptRecording(path: directory.appending(path: "no/such/dir/x.yaml").path).write()
        }
        #expect(missing?.description.contains("No such file or directory") == true, "\(String(describing: missing))")
        // A file planted where a temporary file would be predictable (`.NAME.PID.tmp`) cannot stop the write: the
        // temporary name is random.
        let planted = directory.appending(path: ".planted.yaml.\(getpid()).tmp").path
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: target)
        try ScriptRecording(path: directory.appending(path: "planted.yaml").path).write()
        #expect(FileManager.default.fileExists(atPath: directory.appending(path: "planted.yaml").path))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    /// A statement the server cancelled (57014) is recorded with a `delay` of the time it ran (from its Query or
    /// Execute, or the server's answer before it when later) plus a second, then its error: a replaying client's
    /// CancelRequest ends the wait as it ended the statement. Its other errors' fields are recorded too.
    @Test func cancelledStatementsAreRecordedWithTheTimeTheyRan() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let cancelled = DiagnosticMessage(
            severity: "ERROR", sqlState: "57014", message: "canceling statement due to user request")
        recorder.observe(.query(Query("select 1; select pg_sleep(2)")), at: start)
        recorder.observe(
            .rowDescription(RowDescription(columns: [.init(name: "?column?", dataTypeOID: 23)])), at: start)
        recorder.observe(.dataRow(DataRow(columns: [ByteBuffer(string: "1")])), at: start)
        recorder.observe(.commandComplete(CommandComplete(tag: "SELECT 1")), at: start + .milliseconds(100))
        recorder.observe(
            .rowDescription(RowDescription(columns: [.init(name: "pg_sleep", dataTypeOID: 2278)])),
            at: start + .milliseconds(100))
        recorder.observe(
            .noticeResponse(DiagnosticMessage(severity: "NOTICE", sqlState: "00000", message: "n")),
            at: start + .milliseconds(200))
        recorder.observe(.errorResponse(cancelled), at: start + .milliseconds(400) + .microseconds(1))
        recorder.observe(.readyForQuery(.idle), at: start + .milliseconds(401))
        // Extended: the Execute sent after the server's last answer.
        let execute = start + .seconds(5)
        for message: FrontendMessage in [
            .parse(Parse(query: "select pg_sleep(3)")), .bind(Bind()), .execute(Execute()), .sync,
        ] {
            recorder.observe(message, at: execute)
        }
        recorder.observe(.parseComplete, at: execute)
        recorder.observe(.bindComplete, at: execute)
        recorder.observe(.errorResponse(cancelled), at: execute + .milliseconds(300))
        recorder.observe(.readyForQuery(.idle), at: execute + .milliseconds(300))
        var unique = DiagnosticMessage(severity: "ERROR", sqlState: "23505", message: "duplicate key")
        unique.fields += [
            .init(.schemaName, "public"), .init(.tableName, "u"), .init(.constraintName, "u_pkey"),
            .init(.file, "nbtinsert.c"), .init(.line, "664"), .init(.routine, "_bt_check_unique"),
        ]
        recorder.observe(.query(Query("insert into u values (1)")), at: execute + .seconds(1))
        recorder.observe(.errorResponse(unique), at: execute + .seconds(1))
        recorder.observe(.readyForQuery(.idle), at: execute + .seconds(1))
        recorder.finishSession()
        let yaml = recording.yaml()
        #expect(yaml.contains("    delay: 1301ms\n    error: {severity: \"ERROR\", code: \"57014\""), "\(yaml)")
        #expect(yaml.contains("    delay: 1300ms\n"), "\(yaml)")
        let script = try MockScript(yaml: yaml)
        #expect(script.rules.map(\.delay) == [nil, .milliseconds(1301), .milliseconds(1300), nil])
        #expect(script.rules.last?.outcome == .error(unique), "\(yaml)")
    }

    /// PostgreSQL sends a simple Query statement's RowDescription when it starts, in the same packet as the error
    /// that cancels it (statement_timeout, a CancelRequest): the delay counts from the Query, not from that
    /// RowDescription, so serve's statement_timeout or the client's CancelRequest ends the replay's wait again.
    @Test func aCancelledQueryRunsFromItsQueryNotItsRowDescription() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let ended = start + .milliseconds(2_000) + .microseconds(300)
        recorder.observe(.query(Query("select pg_sleep(5)")), at: start)
        recorder.observe(
            .rowDescription(RowDescription(columns: [.init(name: "pg_sleep", dataTypeOID: 2278)])), at: ended)
        recorder.observe(
            .errorResponse(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "57014", message: "canceling statement due to statement timeout")),
            at: ended + .microseconds(50))
        recorder.observe(.readyForQuery(.idle), at: ended + .microseconds(60))
        recorder.finishSession()
        let script = try MockScript(yaml: recording.yaml())
        #expect(script.rules.map(\.delay) == [.milliseconds(3_001)], "\(recording.yaml())")
    }

    /// A NOTIFY on a channel the session listens to reaches the session from its own backend: serve delivers that
    /// itself on the replay (as PostgreSQL, whether a rule answers the NOTIFY or not), so the rule does not name it
    /// again. Another backend's notification on the same channel, and the session's own `pg_notify()`, which serve
    /// does not deliver by itself, stay in the rule's `notify`; a NOTIFY rolled back is never delivered.
    @Test func theSessionsOwnNotifyIsLeftToServe() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        var recorder = SessionRecorder(recording: recording)
        recorder.observe(.backendKeyData(BackendKeyData(processID: 7, secretKey: [1, 2, 3, 4])))
        recorder.observe(.readyForQuery(.idle))
        func run(_ text: String, tag: String, then answers: [BackendMessage]) {
            recorder.observe(.query(Query(text)))
            recorder.observe(.commandComplete(CommandComplete(tag: tag)))
            for answer in answers { recorder.observe(answer) }
        }
        func notification(from processID: Int32, _ payload: String) -> BackendMessage {
            .notificationResponse(NotificationResponse(processID: processID, channel: "c", payload: payload))
        }
        run("listen c", tag: "LISTEN", then: [.readyForQuery(.idle)])
        run("NOTIFY C, 'it''s'", tag: "NOTIFY", then: [notification(from: 7, "it's"), .readyForQuery(.idle)])
        run(
            "notify c, 'p'", tag: "NOTIFY",
            then: [notification(from: 8, "p"), notification(from: 7, "p"), .readyForQuery(.idle)])
        recorder.observe(.query(Query("select pg_notify('c', 'q')")))
        recorder.observe(.rowDescription(RowDescription(columns: [.init(name: "pg_notify", dataTypeOID: 2278)])))
        recorder.observe(.dataRow(DataRow(columns: [ByteBuffer()])))
        recorder.observe(.commandComplete(CommandComplete(tag: "SELECT 1")))
        recorder.observe(notification(from: 7, "q"))
        recorder.observe(.readyForQuery(.idle))
        run("begin", tag: "BEGIN", then: [.readyForQuery(.inTransaction)])
        run("notify c, 'r'", tag: "NOTIFY", then: [.readyForQuery(.inTransaction)])
        run("rollback", tag: "ROLLBACK", then: [.readyForQuery(.idle)])
        run("select pg_notify('c', 'r')", tag: "SELECT 1", then: [notification(from: 7, "r"), .readyForQuery(.idle)])
        recorder.finishSession()
        let yaml = recording.yaml()
        let script = try MockScript(yaml: yaml)
        let notified = script.rules.map { rule -> [String] in
            guard case .notifying(let notifications, _) = rule.outcome else { return [] }
            return notifications.map(\.payload)
        }
        #expect(notified == [[], [], ["p"], ["q"], [], ["r"]], "\(yaml)")
    }

    /// A connection's last statement, held back for notifications until the connection ends, keeps its place: a
    /// connection that the proxy sees close late (a loaded machine) cannot put it after a later connection's.
    @Test func aStatementHeldBackKeepsItsPlace() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        func run(_ text: String, answer: String, on recorder: inout SessionRecorder) {
            recorder.observe(.query(Query(text)))
            recorder.observe(.rowDescription(RowDescription(columns: [.init(name: "x", dataTypeOID: 25)])))
            recorder.observe(.dataRow(DataRow(columns: [ByteBuffer(string: answer)])))
            recorder.observe(.commandComplete(CommandComplete(tag: "SELECT 1")))
            recorder.observe(.readyForQuery(.idle))
        }
        var early = SessionRecorder(recording: recording)
        run("select 'first'", answer: "first", on: &early)
        var later = SessionRecorder(recording: recording)
        run("select 'second'", answer: "second", on: &later)
        later.finishSession()
        early.finishSession()
        let yaml = recording.yaml()
        let first = try #require(yaml.range(of: "select 'first'"), "\(yaml)")
        let second = try #require(yaml.range(of: "select 'second'"), "\(yaml)")
        #expect(first.lowerBound < second.lowerBound, "\(yaml)")
    }

    /// Each login's ParameterStatus values are kept: the first login's are the server's, a later login's that
    /// differ (another database's TimeZone, another role's is_superuser) are its user's in its database, those the
    /// client set in its StartupMessage (or `options`) are left out, and a SET's ParameterStatus is the session's.
    @Test func eachLoginsParametersAreRecordedForItsUserAndDatabase() throws {
        let recording = ScriptRecording(path: "/nonexistent/script.yaml")
        func login(
            _ parameters: [StartupMessage.Parameter], reported: [(String, String)], after: [BackendMessage] = []
        ) {
            var recorder = SessionRecorder(recording: recording)
            recorder.observe(.startup(StartupMessage(parameters: parameters)))
            for (name, value) in reported {
                recorder.observe(.parameterStatus(ParameterStatus(name: name, value: value)))
            }
            recorder.observe(.readyForQuery(.idle))
            for message in after { recorder.observe(message) }
            recorder.finishSession()
        }
        login(
            [.init("user", "postgres"), .init("database", "app")],
            reported: [
                ("server_version", "15.18"), ("TimeZone", "UTC"), ("is_superuser", "on"),
                ("session_authorization", "postgres"), ("application_name", "x"),
            ],
            after: [.parameterStatus(ParameterStatus(name: "TimeZone", value: "Asia/Tokyo"))])
        login(
            [.init("user", "postgres"), .init("database", "other")],
            reported: [("server_version", "15.18"), ("TimeZone", "Etc/UTC"), ("is_superuser", "on")])
        login(
            [.init("user", "bob"), .init("database", "app")],
            reported: [
                ("server_version", "15.18"), ("TimeZone", "UTC"), ("is_superuser", "off"),
                ("session_authorization", "bob"), ("DateStyle", "ISO, MDY"),
            ])
        // The client's own TimeZone (in options) and DateStyle are not the server's.
        login(
            [
                .init("user", "carol"), .init("options", "-c TimeZone=Europe/Paris"),
                .init("DateStyle", "German"),
            ],
            reported: [
                ("server_version", "15.18"), ("TimeZone", "Europe/Paris"), ("is_superuser", "off"),
                ("DateStyle", "German, DMY"),
            ])
        let yaml = recording.yaml()
        let script = try MockScript(yaml: yaml)
        #expect(script.serverVersion == "15.18")
        #expect(
            script.parameters.map { "\($0.name)=\($0.value)" } == [
                "TimeZone=UTC", "is_superuser=on", "session_authorization=postgres", "DateStyle=ISO, MDY",
            ], "\(yaml)")
        #expect(
            script.loginParameters.map {
                "\($0.user ?? "")@\($0.database ?? ""): \($0.parameters.map { "\($0.name)=\($0.value)" })"
            }
                == [
                    #"postgres@other: ["TimeZone=Etc/UTC"]"#, #"bob@app: ["is_superuser=off"]"#,
                    #"carol@carol: ["is_superuser=off"]"#,
                ], "\(yaml)")
        let other = LoginParameters.applying(
            script.loginParameters, to: script.parameters, user: "postgres", database: "other")
        #expect(other.first { $0.name == "TimeZone" }?.value == "Etc/UTC")
    }
}
