import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresGateway
import PostgresTestSupport
import PostgresWire
import Testing

/// `pgw serve` rules that make clients wait or go away, with real clients: a `delay` that a CancelRequest ends
/// (psycopg's `cancel()`, asyncpg's timeout; a wrong key is ignored), COPY FROM STDIN (psql's `\copy`, psycopg's
/// `cursor.copy`, CopyFail) and `close: true`; and the library's `onCancel` hook.
@Suite(.timeLimit(.minutes(2)))
struct ServeWaitingStatementTests {
    static let script = """
        rules:
          - match: "select pg_sleep(5)"
            delay: 5s
            columns: [{name: pg_sleep, type: void}]
            rows: [[""]]
          - match: "select slow()"
            delay: 700ms
            columns: [{name: slow, type: int4}]
            rows: [[1]]
          - match: "copy items (id, name) from stdin"
          - match: "select crash()"
            close: true
          - match: "select goodbye()"
            error: {severity: FATAL, code: "57P01", message: "terminating connection due to administrator command"}
            close: true
        """

    @Test func aCancelRequestEndsAScriptedDelayAndTheSessionGoesOn() async throws {
        let server = try await ServeProcess(["--script", try ServeStackTests.file("delay.yaml", Self.script)])
        let outcome = try await ServeStackTests.run(
            "python3",
            [
                "-c",
                """
                import asyncio, os, socket, struct, threading, time, psycopg, asyncpg
                port = int(os.environ["PGPORT"])
                \(PythonCancellation.runCancelled)
                c = psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app")
                e, seconds = run_cancelled(c, "select pg_sleep(5)")
                print("psycopg", e and e.sqlstate, e and str(e).strip(), seconds < 3)
                c.rollback()
                print("then", c.execute("select 1").fetchone())
                def wrong_key():
                    s = socket.create_connection(("127.0.0.1", port))
                    s.sendall(struct.pack("!iiii", 16, 80877102, c.info.backend_pid, 0))
                    s.close()
                threading.Timer(0.2, wrong_key).start()
                started = time.monotonic()
                print("wrong key ignored", c.execute("select slow()").fetchone(), time.monotonic() - started > 0.6)
                async def run():
                    a = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", database="app")
                    try:
                        await a.fetchval("select pg_sleep(5)", timeout=0.5)
                    except asyncio.TimeoutError:
                        print("asyncpg timeout")
                    print("asyncpg", await a.fetchval("select 3"))
                    await a.close()
                started = time.monotonic()
                asyncio.run(run())
                print("asyncpg quick", time.monotonic() - started < 3)
                """,
            ], port: server.port)
        #expect(
            outcome.standardOutput == """
                psycopg 57014 canceling statement due to user request True
                then (1,)
                wrong key ignored (1,) True
                asyncpg timeout
                asyncpg 3
                asyncpg quick True

                """, "\(outcome)")
    }

    @Test func copyFromStdinCountsCSVAndBinaryRowsAsPostgreSQL() async throws {
        let server = try await ServeProcess([])
        // CSV: a quoted line break and a doubled quote stay inside their row; the header line is not a row.
        let csv = try await ServeStackTests.run(
            "psql", ["-X", "-c", "\\copy items (id, name) from stdin with (format csv, header)"], port: server.port,
            input: "id,name\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\"\n\\.\n")
        #expect(csv.succeeded && csv.standardOutput == "COPY 2\n", "\(csv)")
        // Text: a backslash escapes a line feed.
        let text = try await ServeStackTests.run(
            "psql", ["-X", "-c", "\\copy items from stdin"], port: server.port, input: "1\tone\\\ntwo\n2\tb\n")
        #expect(text.succeeded && text.standardOutput == "COPY 2\n", "\(text)")
        // Binary: psycopg asks for the format, writes tuples with line feeds in them; a bad signature is 22P04.
        let python = try await ServeStackTests.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                c = psycopg.connect(f"host=127.0.0.1 port={os.environ['PGPORT']} user=alice dbname=app")
                with c.cursor() as cur:
                    with cur.copy("copy items (id, name) from stdin (format binary)") as copy:
                        copy.set_types(["int4", "text"])
                        for row in [(1, "a\\n"), (2, None), (3, "\\n\\n")]:
                            copy.write_row(row)
                    print("binary", cur.rowcount, cur.statusmessage)
                    try:
                        with cur.copy("copy items from stdin with binary") as copy:
                            copy.write(b"not a binary copy file")
                    except psycopg.Error as e:
                        print("bad", e.sqlstate, e.diag.message_primary)
                """,
            ], port: server.port)
        #expect(
            python.standardOutput == "binary 3 COPY 3\nbad 22P04 COPY file signature not recognized\n", "\(python)")
    }

    @Test func copyFromStdinTakesTheDataAndClosingRulesDropTheConnection() async throws {
        let server = try await ServeProcess(["--script", try ServeStackTests.file("copy.yaml", Self.script)])
        let copy = try await ServeStackTests.run(
            "psql", ["-X", "-c", "\\copy items (id, name) from stdin"], port: server.port,
            input: "1\ta\n2\tb\n\\.\n")
        #expect(copy.succeeded && copy.standardOutput == "COPY 2\n", "\(copy)")
        let inline = try await ServeStackTests.run(
            "psql", ["-X", "-tA"], port: server.port,
            input: "copy items (id, name) from stdin;\n1\ta\n2\tb\n3\tc\n\\.\nselect 5;\n")
        #expect(inline.succeeded && inline.standardOutput == "COPY 3\n5\n", "\(inline)")
        let python = try await ServeStackTests.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                c = psycopg.connect(f"host=127.0.0.1 port={os.environ['PGPORT']} user=alice dbname=app")
                with c.cursor() as cur:
                    with cur.copy("copy items (id, name) from stdin") as copy:
                        for row in [(1, "a"), (2, "b"), (3, "c")]:
                            copy.write_row(row)
                    print("copy", cur.rowcount, cur.statusmessage)
                    try:
                        with cur.copy("copy items (id, name) from stdin") as copy:
                            copy.write_row((1, "a"))
                            raise ValueError("stop")
                    except ValueError as e:
                        print("copy failed:", e)
                    c.rollback()
                    print("then", c.execute("select 2").fetchone())
                try:
                    c.execute("select goodbye()")
                except psycopg.OperationalError as e:
                    print("goodbye", e.sqlstate, c.closed)
                """,
            ], port: server.port)
        #expect(
            python.standardOutput == "copy 3 COPY 3\ncopy failed: stop\nthen (2,)\ngoodbye 57P01 True\n",
            "\(python)")
        let crash = try await ServeStackTests.run("psql", ["-X", "-c", "select crash()"], port: server.port)
        #expect(crash.status == 2, "\(crash)")
        #expect(crash.standardError.contains("server closed the connection unexpectedly"), "\(crash)")
    }

    /// A program using the library: its `onMessage` hook works on a statement until the `onCancel` hook (from
    /// psycopg's `cancel()`) tells it to stop.
    @Test func theOnCancelHookLetsALibraryUserStopItsOwnWork() async throws {
        let cancelled = AsyncStream<Void>.makeStream()
        let hooks = PostgresServerConnectionHooks(
            onMessage: { message, _, connection in
                guard case .query(let query) = message, query.text == "select work()" else { return false }
                // Long work, until the cancel arrives (or 20 s).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for await _ in cancelled.stream { return } }
                    group.addTask { try await Task.sleep(for: .seconds(20)) }
                    try await group.next()
                    group.cancelAll()
                }
                try await connection.sendError(code: "57014", message: "canceling statement due to user request")
                try await connection.sendReadyForQuery()
                return true
            },
            onCancel: { _ in cancelled.continuation.yield() }
        )
        .servingQueries(with: ServerEmulationResponder(serverVersion: "16"))
        let server = try await PostgresServer.bind(port: 0, hooks: hooks)
        let outcome = try await ServeStackTests.run(
            "python3",
            [
                "-c",
                """
                import os, threading, time, psycopg
                c = psycopg.connect(f"host=127.0.0.1 port={os.environ['PGPORT']} user=alice dbname=app", autocommit=True)
                threading.Timer(0.3, c.cancel).start()
                started = time.monotonic()
                try:
                    c.execute("select work()")
                except psycopg.errors.QueryCanceled as e:
                    print("cancelled", e.sqlstate, time.monotonic() - started < 10)
                print("then", c.execute("select 1").fetchone())
                """,
            ], port: server.localAddress!.port!)
        await server.shutdown()
        #expect(outcome.standardOutput == "cancelled 57014 True\nthen (1,)\n", "\(outcome)")
    }
}
