import Foundation
import PostgresTestSupport
import Testing

/// Real clients meeting what `pgw serve` answers itself or from a rule, as PostgreSQL 15 (each expected output is
/// the same client's against PostgreSQL 15.18 with functions doing what the rules say): an asyncpg pool resetting its
/// connections and listening with `--unmatched error`, a rule's notices and notification under asyncpg's row limit,
/// a FATAL rule error, an unmatched COPY TO STDOUT.
extension ServeStackTests {
    @Test func asyncpgPoolListenerNoticesAndNotificationsWithUnmatchedErrors() async throws {
        let script = try Self.file("pool.yaml", QuerySessionTests.housekeepingScript)
        let server = try await ServeProcess(
            ["--script", script, "--verify", "--unmatched", "error"], capturingStandardError: true)
        let pool = try await Self.run(
            "python3",
            [
                "-c",
                """
                import asyncio, os, asyncpg
                async def main():
                    pool = await asyncpg.create_pool(
                        host="127.0.0.1", port=int(os.environ["PGPORT"]), user="alice", database="app", min_size=1,
                        max_size=1)
                    got, notices = [], []
                    async with pool.acquire() as c:
                        listener = lambda *arguments: got.append(arguments[3])
                        await c.add_listener("jobs", listener)
                        log = lambda connection, message: notices.append(message.message)
                        c.add_log_listener(log)
                        print("fetchval", await c.fetchval("select warn()"), await c.fetchval("select fire()"))
                        await c.execute("notify jobs, 'self'")
                        await asyncio.sleep(0.3)
                        print("notices", notices, "notifications", got)
                        await c.remove_listener("jobs", listener)
                        c.remove_log_listener(log)
                    async with pool.acquire() as c:
                        print("again", await c.fetchval("select warn()"))
                    await pool.close()
                asyncio.run(main())
                """,
            ], port: server.port)
        #expect(
            pool.standardOutput == """
                fetchval 1 None
                notices ['careful'] notifications ['42', 'self']
                again 1

                """, "\(pool)")
        #expect(pool.standardError.isEmpty, "\(pool)")
        // A FATAL error ends the session, as PostgreSQL's: psql loses the connection and stops.
        let fatal = try await Self.run(
            "psql", ["-X", "-At", "-c", "select goodbye()", "-c", "select 1"], port: server.port)
        #expect(fatal.status == 2 && fatal.standardOutput.isEmpty, "\(fatal)")
        #expect(
            fatal.standardError.hasPrefix("FATAL:  terminating connection due to administrator command\n")
                && fatal.standardError.hasSuffix("connection to server was lost\n"), "\(fatal)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try server.standardErrorAfterExit()
        #expect(server.process.terminationStatus == 0, "\(report)")
    }

    @Test func unmatchedCopyToStdoutIsAnEmptyCopyForAsyncpgAndPsql() async throws {
        let server = try await ServeProcess([])
        let asyncpg = try await Self.run(
            "python3",
            [
                "-c",
                """
                import asyncio, os, sys, asyncpg
                async def main():
                    c = await asyncpg.connect(
                        host="127.0.0.1", port=int(os.environ["PGPORT"]), user="alice", database="app")
                    print(await c.copy_from_query("select 1 as id where false", output=sys.stdout.buffer.write))
                    await c.close()
                asyncio.run(main())
                """,
            ], port: server.port)
        #expect(asyncpg.standardOutput == "COPY 0\n", "\(asyncpg)")
        let psql = try await Self.run(
            "psql",
            [
                "-X", "-At", "-c", "copy (select 1 as id where false) to stdout with (format csv, header)", "-c",
                "\\copy (select 1 as id where false) to stdout with csv header",
            ], port: server.port)
        #expect(psql.succeeded && psql.standardOutput == "id\nid\n", "\(psql)")
    }
}
