import Foundation
import PostgresTestSupport
import Testing

/// A rule's `params` compared by typed value: each Python driver sends the same values its own way (psycopg2
/// written into the statement, `true` and `'2024-01-01T00:00:00+00:00'::timestamptz`; pg8000 bound as text typed
/// by its Parse, `true`; psycopg 3 and asyncpg bound in binary) and the one rule answers them all.
extension ServeStackTests {
    static let typedParametersScript = """
        unmatched: error
        rules:
          # psycopg2 writes `'2024-01-01T00:00:00+00:00'::timestamptz::timestamptz`: another fingerprint.
          - match: {regex: "^select .+::bool as b, .+::numeric as n, .+::timestamptz as t$"}
            params: ["t", "1.50", "2024-01-01 01:00:00+01"]
            columns: [{name: b, type: bool}, {name: n, type: numeric}, {name: t, type: timestamptz}]
            rows: [[t, "1.50", "2024-01-01 00:00:00+00"]]
        """

    static let typedParametersProgram = """
        import asyncio, datetime, decimal, os
        import psycopg, psycopg2, asyncpg, pg8000.native
        port = int(os.environ["PGPORT"])
        query = "select %s::bool as b, %s::numeric as n, %s::timestamptz as t"
        values = (True, decimal.Decimal("1.5"), datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
        def show(name, row):
            print(name, row[0], row[1], row[2].isoformat())
        with psycopg2.connect(host="127.0.0.1", port=port, user="alice", dbname="app") as c:
            cur = c.cursor()
            cur.execute(query, values)
            show("psycopg2", cur.fetchone())
        with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app") as c:
            show("psycopg", c.execute(query, values).fetchone())
        c = pg8000.native.Connection("alice", host="127.0.0.1", port=port, database="app")
        show("pg8000", c.run("select :b::bool as b, :n::numeric as n, :t::timestamptz as t",
                             b=values[0], n=values[1], t=values[2])[0])
        c.close()
        async def main():
            c = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", database="app", ssl=False)
            show("asyncpg", await c.fetchrow("select $1::bool as b, $2::numeric as n, $3::timestamptz as t",
                                             *values))
            await c.close()
        asyncio.run(main())
        """

    @Test func ruleParametersMatchEachDriversValuesByTheirType() async throws {
        let script = try Self.file("typed.yaml", Self.typedParametersScript)
        let server = try await ServeProcess(["--script", script, "--verify"], capturingStandardError: true)
        let outcome = try await Self.run("python3", ["-c", Self.typedParametersProgram], port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        let row = "True 1.50 2024-01-01T00:00:00+00:00"
        #expect(
            outcome.standardOutput == ["psycopg2", "psycopg", "pg8000", "asyncpg"].map { "\($0) \(row)\n" }.joined(),
            "\(outcome)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try server.standardErrorAfterExit()
        #expect(server.process.terminationStatus == 0, "\(report)")
    }
}
