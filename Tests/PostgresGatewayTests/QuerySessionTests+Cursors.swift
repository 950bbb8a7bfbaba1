import PostgresGateway
import PostgresWire
import Testing

/// Server-side cursors (DECLARE, FETCH, MOVE, CLOSE) whose query a rule answers, as PostgreSQL 15 answers them: the
/// expected transcripts are PostgreSQL 15.18's for the same statements over `generate_series(1,5)`.
extension QuerySessionTests {
    /// A session answering `select * from generate_series(1,5) id` with the rows 1 to 5, as PostgreSQL would.
    static func seriesSession() throws -> QuerySession {
        let responder = try MockScriptTests.responder(
            """
            rules:
              - match: select * from generate_series(1,5) id
                columns: [{name: id, type: int4}]
                rows: [[1], [2], [3], [4], [5]]
            """)
        return QuerySession(responder: responder)
    }

    @Test func cursorsFetchAndMoveAsPostgreSQL() throws {
        var session = try Self.seriesSession()
        for (statement, expected) in [
            (
                "declare c cursor for select * from generate_series(1,5) id",
                ["E 25P01 DECLARE CURSOR can only be used in transaction blocks", "Z I"]
            ),
            ("fetch c", ["E 34000 cursor \"c\" does not exist", "Z I"]),
            ("move c", ["E 34000 cursor \"c\" does not exist", "Z I"]),
            ("close c", ["E 34000 cursor \"c\" does not exist", "Z I"]),
            (
                "declare c cursor for select * from generate_series(1,5) id; fetch c; fetch 2 c; fetch c",
                [
                    "C DECLARE CURSOR", "T id", "D 1", "C FETCH 1", "T id", "D 2", "D 3", "C FETCH 2", "T id", "D 4",
                    "C FETCH 1", "Z I",
                ]
            ),
            ("begin", ["C BEGIN", "Z T"]),
            ("declare c no scroll cursor for select * from generate_series(1,5) id", ["C DECLARE CURSOR", "Z T"]),
            ("fetch 2 from c", ["T id", "D 1", "D 2", "C FETCH 2", "Z T"]),
            ("move next in c", ["C MOVE 1", "Z T"]),
            ("fetch backward 1 from c", ["E 55000 cursor can only scan forward", "Z E"]),
            ("rollback", ["C ROLLBACK", "Z I"]),
            ("begin", ["C BEGIN", "Z T"]),
            ("declare c cursor for select * from generate_series(1,5) id", ["C DECLARE CURSOR", "Z T"]),
            (
                "declare c cursor for select * from generate_series(1,5) id",
                ["E 42P03 cursor \"c\" already exists", "Z E"]
            ),
            ("rollback", ["C ROLLBACK", "Z I"]),
            ("begin", ["C BEGIN", "Z T"]),
            ("declare c scroll cursor for select * from generate_series(1,5) id", ["C DECLARE CURSOR", "Z T"]),
            ("fetch 2 c", ["T id", "D 1", "D 2", "C FETCH 2", "Z T"]),
            ("fetch all in c", ["T id", "D 3", "D 4", "D 5", "C FETCH 3", "Z T"]),
            ("fetch c", ["T id", "C FETCH 0", "Z T"]),
            ("fetch prior c", ["T id", "D 5", "C FETCH 1", "Z T"]),
            ("move backward all in c", ["C MOVE 4", "Z T"]),
            ("move absolute 2 in c", ["C MOVE 1", "Z T"]),
            ("fetch relative 0 from c", ["T id", "D 2", "C FETCH 1", "Z T"]),
            ("fetch prior from c", ["T id", "D 1", "C FETCH 1", "Z T"]),
            ("fetch last from c", ["T id", "D 5", "C FETCH 1", "Z T"]),
            ("fetch absolute -2 from c", ["T id", "D 4", "C FETCH 1", "Z T"]),
            ("fetch absolute 9 from c", ["T id", "C FETCH 0", "Z T"]),
            ("fetch backward 2 from c", ["T id", "D 5", "D 4", "C FETCH 2", "Z T"]),
            ("move forward 0 from c", ["C MOVE 1", "Z T"]),
            ("move all from c", ["C MOVE 1", "Z T"]),
            ("move relative 0 in c", ["C MOVE 0", "Z T"]),
            ("fetch first c", ["T id", "D 1", "C FETCH 1", "Z T"]),
            ("fetch relative 2 c", ["T id", "D 3", "C FETCH 1", "Z T"]),
            ("fetch relative -1 c", ["T id", "D 2", "C FETCH 1", "Z T"]),
            ("fetch -2 c", ["T id", "D 1", "C FETCH 1", "Z T"]),
            ("fetch forward -1 c", ["T id", "C FETCH 0", "Z T"]),
            ("fetch backward -1 c", ["T id", "D 1", "C FETCH 1", "Z T"]),
            ("fetch backward all c", ["T id", "C FETCH 0", "Z T"]),
            ("fetch absolute 0 c", ["T id", "C FETCH 0", "Z T"]),
            ("fetch forward 0 c", ["T id", "C FETCH 0", "Z T"]),
            ("close c", ["C CLOSE CURSOR", "Z T"]),
            ("close c", ["E 34000 cursor \"c\" does not exist", "Z E"]),
            ("rollback", ["C ROLLBACK", "Z I"]),
            ("begin", ["C BEGIN", "Z T"]),
            (
                "declare \"Named\" cursor with hold for select * from generate_series(1,5) id",
                ["C DECLARE CURSOR", "Z T"]
            ),
            ("declare d cursor without hold for select * from generate_series(1,5) id", ["C DECLARE CURSOR", "Z T"]),
            ("commit", ["C COMMIT", "Z I"]),
            ("fetch 2 from \"Named\"", ["T id", "D 1", "D 2", "C FETCH 2", "Z I"]),
            ("fetch d", ["E 34000 cursor \"d\" does not exist", "Z I"]),
            ("begin", ["C BEGIN", "Z T"]),
            ("declare h cursor with hold for select * from generate_series(1,5) id", ["C DECLARE CURSOR", "Z T"]),
            ("rollback", ["C ROLLBACK", "Z I"]),
            ("fetch h", ["E 34000 cursor \"h\" does not exist", "Z I"]),
            ("close all", ["C CLOSE CURSOR ALL", "Z I"]),
            ("fetch \"Named\"", ["E 34000 cursor \"Named\" does not exist", "Z I"]),
        ] {
            #expect(Self.transcript(session.handle(.query(Query(statement)))) == expected, "\(statement)")
        }
    }

    /// A cursor is a portal too: Describe (psycopg's named cursor), Execute with a row limit and Close of its name
    /// work as in PostgreSQL 15, a FETCH sends its rows in the formats its Bind asks for and its Describe reports the
    /// cursor's columns; a BINARY cursor's FETCH sends binary in the simple protocol; DECLARE without a transaction
    /// block fails in the extended protocol too.
    @Test func cursorsAsPortalsInTheExtendedProtocol() throws {
        var session = try Self.seriesSession()
        func transcript(_ messages: [FrontendMessage]) -> [String] {
            Self.transcript(messages.flatMap { session.handle($0) })
        }
        _ = session.handle(.query(Query("begin; declare sc cursor for select * from generate_series(1,5) id")))
        #expect(transcript([.describe(.portal("sc")), .sync]) == ["T id", "Z T"])
        #expect(
            transcript([.execute(Execute(portal: "sc", maxRows: 2)), .sync]) == [
                "D 1", "D 2", "PortalSuspended", "Z T",
            ])
        #expect(
            transcript([
                .parse(Parse(query: "fetch forward 2 from sc")), .bind(Bind(resultFormats: [.binary])),
                .describe(.portal("")), .execute(Execute()), .sync,
            ]) == [
                "ParseComplete", "BindComplete", "T id", "D \\x00000003", "D \\x00000004", "C FETCH 2", "Z T",
            ])
        #expect(
            transcript([.parse(Parse(name: "f", query: "fetch forward 2 from sc")), .describe(.statement("f")), .sync])
                == ["ParseComplete", "ParameterDescription", "T id", "Z T"])
        #expect(
            transcript([.execute(Execute(portal: "sc")), .execute(Execute(portal: "sc")), .sync]) == [
                "D 5", "C SELECT 1", "C SELECT 0", "Z T",
            ])
        #expect(transcript([.close(.portal("sc")), .sync]) == ["CloseComplete", "Z T"])
        #expect(transcript([.query(Query("fetch sc"))]) == ["E 34000 cursor \"sc\" does not exist", "Z E"])
        _ = session.handle(.query(Query("rollback")))
        #expect(
            transcript([
                .parse(Parse(query: "declare x cursor for select * from generate_series(1,5) id")), .bind(Bind()),
                .execute(Execute()), .sync,
            ]) == [
                "ParseComplete", "BindComplete", "E 25P01 DECLARE CURSOR can only be used in transaction blocks", "Z I",
            ])
        #expect(
            transcript([
                .query(Query("begin; declare b binary cursor for select * from generate_series(1,5) id; fetch 2 b"))
            ]) == ["C BEGIN", "C DECLARE CURSOR", "T id", "D \\x00000001", "D \\x00000002", "C FETCH 2", "Z T"])
    }
}
