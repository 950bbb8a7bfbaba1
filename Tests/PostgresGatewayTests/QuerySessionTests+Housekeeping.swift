import NIOCore
import PostgresGateway
import PostgresWire
import Testing

/// Rules' notices, notifications and FATAL errors, unmatched COPY TO STDOUT and the session housekeeping of
/// connection pools, as PostgreSQL 15 answers them (each expected transcript is PostgreSQL 15.18's, with functions
/// `warn()` and `fire()` doing what the rules say).
extension QuerySessionTests {
    static let housekeepingScript = """
        unmatched: error
        rules:
          - match: select warn()
            notices: [{severity: WARNING, code: "01000", message: careful}]
            columns: [{name: warn, type: int4}]
            rows: [[1], [2]]
          - match: select fire()
            notify: {channel: jobs, payload: "42"}
            columns: [{name: fire, type: void}]
            rows: [[""]]
          - match: select goodbye()
            error: {severity: FATAL, code: "57P01", message: terminating connection due to administrator command}
        """

    /// `replies` in a short form: `T` columns, `D` values (binary in hex), `C` tag, `E`/`N` SQLSTATE and message,
    /// `A` channel and payload, `H` CopyOutResponse's format and column count, `d` CopyData, `Z` status, other
    /// messages by name.
    static func transcript(_ replies: [BackendMessage]) -> [String] {
        replies.map { reply in
            switch reply {
            case .rowDescription(let description): "T " + description.columns.map(\.name).joined(separator: " ")
            case .dataRow(let row): "D " + row.columns.map { $0.map(shortText) ?? "NULL" }.joined(separator: " ")
            case .copyOutResponse(let response): "H \(response.format) \(response.columnFormats.count)"
            case .copyData(let data): "d " + shortText(data.data)
            case .commandComplete(let complete): "C " + complete.tag
            case .errorResponse(let error): "E \(error.sqlState ?? "") \(error.message ?? "")"
            case .noticeResponse(let notice): "N \(notice.sqlState ?? "") \(notice.message ?? "")"
            case .notificationResponse(let notification): "A \(notification.channel) \(notification.payload)"
            case .readyForQuery(let status): "Z \(status.letter)"
            default: reply.typeName
            }
        }
    }

    /// `bytes` as text when they are printable ASCII, else `\x` and hex.
    private static func shortText(_ bytes: ByteBuffer) -> String {
        let bytes = Array(bytes.readableBytesView)
        guard bytes.allSatisfy({ (32..<127).contains($0) || $0 == 10 }) else {
            return "\\x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The transcript of `messages` answered in turn by `session`.
    static func transcript(_ messages: [FrontendMessage], in session: inout QuerySession) -> [String] {
        transcript(messages.flatMap { session.handle($0) })
    }

    /// A rule's notices honour Execute's row limit (asyncpg's fetchval asks for one row): they go out once, before
    /// the first row, and the portal is suspended; its notification is delivered when the transaction commits,
    /// before ReadyForQuery, also when the portal stayed suspended, and not after a rollback.
    @Test func noticesAndNotificationsOfASuspendedPortal() throws {
        var session = QuerySession(responder: try MockScriptTests.responder(Self.housekeepingScript))
        func execute(_ query: String, times: Int) -> [FrontendMessage] {
            [.parse(Parse(query: query)), .bind(Bind())]
                + Array(repeating: .execute(Execute(maxRows: 1)), count: times) + [.sync]
        }
        #expect(
            Self.transcript(execute("select warn()", times: 1), in: &session) == [
                "ParseComplete", "BindComplete", "N 01000 careful", "D 1", "PortalSuspended", "Z I",
            ])
        _ = session.handle(.query(Query("begin")))
        #expect(
            Self.transcript(execute("select warn()", times: 3), in: &session) == [
                "ParseComplete", "BindComplete", "N 01000 careful", "D 1", "PortalSuspended", "D 2",
                "PortalSuspended", "C SELECT 0", "Z T",
            ])
        _ = session.handle(.query(Query("commit")))
        #expect(
            Self.transcript(execute("select fire()", times: 1), in: &session) == [
                "ParseComplete", "BindComplete", "D ", "PortalSuspended", "A jobs 42", "Z I",
            ])
        _ = session.handle(.query(Query("begin")))
        #expect(
            Self.transcript(execute("select fire()", times: 1), in: &session) == [
                "ParseComplete", "BindComplete", "D ", "PortalSuspended", "Z T",
            ])
        #expect(Self.transcript([.query(Query("commit"))], in: &session) == ["C COMMIT", "A jobs 42", "Z I"])
        #expect(
            Self.transcript([.query(Query("begin; select fire(); rollback"))], in: &session) == [
                "C BEGIN", "T fire", "D ", "C SELECT 1", "C ROLLBACK", "Z I",
            ])
        #expect(
            Self.transcript([.query(Query("select fire(); select 2"))], in: &session) == [
                "T fire", "D ", "C SELECT 1", "T ?column?", "D 2", "C SELECT 1", "A jobs 42", "Z I",
            ])
    }

    /// A rule's error of severity FATAL ends the session once it is sent, as PostgreSQL always does: no
    /// ReadyForQuery, and the connection closes.
    @Test func aFatalRuleErrorClosesTheConnection() throws {
        for messages: [FrontendMessage] in [
            [.query(Query("select goodbye()"))],
            [.parse(Parse(query: "select goodbye()")), .bind(Bind()), .execute(Execute())],
        ] {
            var session = QuerySession(responder: try MockScriptTests.responder(Self.housekeepingScript))
            let transcript = Self.transcript(messages, in: &session)
            #expect(transcript.last == "E 57P01 terminating connection due to administrator command")
            #expect(!transcript.contains { $0.hasPrefix("Z") })
            #expect(session.closesConnection)
        }
    }

    /// An unmatched `COPY … TO STDOUT` is an empty COPY, as from a query without rows: CopyOutResponse with a column
    /// per name, the HEADER line or the binary signature and trailer PostgreSQL writes, CopyDone, COPY 0 (asyncpg's
    /// copy_from_query, psql's `\copy`); with `--unmatched error`, 0A000 as for any unmatched statement.
    @Test func unmatchedCopyToStdoutIsAnEmptyCopy() throws {
        for unmatched in [UnmatchedStatementPolicy.echo, .empty] {
            var session = QuerySession(
                responder: ServerEmulationResponder(serverVersion: "15.18", unmatched: unmatched))
            for (statement, expected) in [
                ("copy (select 1 as id, 2 as b) to stdout", ["H 0 2", "CopyDone", "C COPY 0", "Z I"]),
                (
                    "copy (select 1 as id from t) to stdout with (format csv, header)",
                    ["H 0 1", "d id\n", "CopyDone", "C COPY 0", "Z I"]
                ),
                (
                    "copy items (id, \"a;b\") to stdout (format csv, header, delimiter ';')",
                    ["H 0 2", "d id;\"a;b\"\n", "CopyDone", "C COPY 0", "Z I"]
                ),
                (
                    "copy (select 1 as id) to stdout with (format binary)",
                    ["H 1 1", "d \\x5047434f50590aff0d0a000000000000000000ffff", "CopyDone", "C COPY 0", "Z I"]
                ),
            ] {
                #expect(Self.transcript([.query(Query(statement))], in: &session) == expected, "\(statement)")
            }
            #expect(
                Self.transcript(
                    [
                        .parse(Parse(query: "copy (select 1 as id) to stdout")), .bind(Bind()), .describe(.portal("")),
                        .execute(Execute()), .sync,
                    ], in: &session) == [
                        "ParseComplete", "BindComplete", "NoData", "H 0 1", "CopyDone", "C COPY 0", "Z I",
                    ])
        }
        var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "15.18", unmatched: .error))
        #expect(
            Self.transcript([.query(Query("copy (select 1 as id) to stdout"))], in: &session).first?.hasPrefix(
                "E 0A000 pgw: no rule answers this statement") == true)
    }

    /// What connection pools send to reset a connection (asyncpg: `SELECT pg_advisory_unlock_all()`, `CLOSE ALL`,
    /// `UNLISTEN *`, `RESET ALL`) and LISTEN, UNLISTEN and NOTIFY are session housekeeping: answered as by
    /// PostgreSQL even when unmatched statements are errors, and not unmatched for `--verify`; a NOTIFY on a channel
    /// the session listens to is delivered to it when its transaction commits.
    @Test func poolResetAndListenAreSessionHousekeeping() throws {
        let responder = try MockScriptTests.responder(Self.housekeepingScript)
        var session = QuerySession(responder: responder)
        for (statement, expected) in [
            (
                "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;",
                ["T pg_advisory_unlock_all", "D ", "C SELECT 1", "C CLOSE CURSOR ALL", "C UNLISTEN", "C RESET", "Z I"]
            ),
            ("LISTEN ch", ["C LISTEN", "Z I"]),
            ("NOTIFY ch", ["C NOTIFY", "A ch ", "Z I"]),
            ("UNLISTEN ch", ["C UNLISTEN", "Z I"]),
            ("NOTIFY ch, 'p'", ["C NOTIFY", "Z I"]),
            ("listen \"A b\"", ["C LISTEN", "Z I"]),
            ("notify \"A b\", 'q'", ["C NOTIFY", "A A b q", "Z I"]),
            ("begin; notify \"A b\", 'r'; rollback", ["C BEGIN", "C NOTIFY", "C ROLLBACK", "Z I"]),
            ("begin; notify \"A b\", 's'", ["C BEGIN", "C NOTIFY", "Z T"]),
            ("commit", ["C COMMIT", "A A b s", "Z I"]),
        ] {
            #expect(Self.transcript([.query(Query(statement))], in: &session) == expected, "\(statement)")
        }
        #expect(responder.verificationReport().unmatchedStatements == [])
    }
}
