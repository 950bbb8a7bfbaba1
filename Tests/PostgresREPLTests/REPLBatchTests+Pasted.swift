import Foundation
import PostgresTestSupport
import Testing

/// Sessions pasted from `pgw proxy`'s log run in a script: asyncpg's Parse, Describe and Flush, and a COPY FROM
/// STDIN that waits for the script's data.
extension REPLBatchTests {
    /// asyncpg's `fetch("select $1::int, $2::text[]", 5, ["a", "b"])` as `pgw proxy` logged it, pasted: the Bind's
    /// binary values take their types from the ParameterDescription the Flush asked for.
    static let asyncpgSession = #"""
        07:16:36.973818 #1 F Parse name="__asyncpg_stmt_1__" "select $1::int, $2::text[]"
        07:16:36.973818 #1 F Describe statement "__asyncpg_stmt_1__"
        07:16:36.973818 #1 F Flush
        07:16:36.978824 #1 F Bind portal="" statement="__asyncpg_stmt_1__" parameters=[5, ["a", "b"]] formats=["binary", "binary"] results=["binary"]
        07:16:36.978824 #1 F Execute portal="" maxRows=0
        07:16:36.978824 #1 F Sync
        """#

    /// The proxy's connection notes, pasted with their time and connection number, are skipped as comments.
    @Test func asyncpgSessionPastedFromTheProxyLog() async throws {
        let outcome = try await Self.run(
            "07:16:36.970001 #1 -- connection 127.0.0.1:35232 -> 127.0.0.1:5432\n" + Self.asyncpgSession
                + "\n07:16:36.990000 #1 -- closed by the client (Terminate)")
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow [5, ["a", "b"]]"#), "\(outcome)")
        #expect(outcome.standardOutput.contains("B ReadyForQuery I (idle)"), "\(outcome)")
    }

    /// `\wait` after a Flush waits for the replies it asked for: all of them print before the next line is sent.
    @Test func waitCoversTheRepliesOwedToAFlush() async throws {
        let lines = Self.asyncpgSession.split(separator: "\n")
        let outcome = try await Self.run(
            (lines.prefix(3) + [#"\wait 30000"#] + lines.dropFirst(3)).joined(separator: "\n"))
        #expect(outcome.status == 0, "\(outcome)")
        let output = outcome.standardOutput
        let described = try #require(output.range(of: "B RowDescription [int4 int4, text _text]"), "\(outcome)")
        let bound = try #require(output.range(of: "F Bind "), "\(outcome)")
        #expect(described.lowerBound < bound.lowerBound, "the Bind was sent before the replies came: \(output)")
    }

    /// COPY FROM STDIN: `\wait` stops at CopyInResponse, saying that the server waits for CopyData, instead of
    /// waiting out the timeout and failing; a script that ends there fails at once, saying why.
    @Test func waitStopsAtCopyInResponse() async throws {
        let outcome = try await Self.run(
            #"""
            Query "create temp table c(a int)"
            Query "copy c from stdin"
            \wait
            CopyData "7\n"
            CopyDone
            \wait
            Query "select a from c"
            \expect CommandComplete tag="CREATE TABLE"
            \expect ReadyForQuery
            \expect CopyInResponse
            \expect CommandComplete tag="COPY 1"
            \expect ReadyForQuery
            \expect RowDescription
            \expect DataRow columns=["7"]
            """#)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(
            outcome.standardOutput.contains(
                "-- the server waits for CopyData (COPY FROM STDIN): send CopyData, then CopyDone or CopyFail"),
            "\(outcome)")
        let unfinished = try await Self.run(
            #"Query "create temp table d(a int)""# + "\n" + #"Query "copy d from stdin""#)
        #expect(unfinished.status == 1, "\(unfinished)")
        #expect(
            unfinished.standardError.contains(
                "at the end: the server waits for CopyData (COPY FROM STDIN), and the script ended without CopyDone "
                    + "or CopyFail"),
            "\(unfinished)")
    }
}
