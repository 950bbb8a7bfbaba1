import Foundation
import PostgresProxy
import PostgresTestSupport
import Testing

/// `--record`: a psql, a psycopg and an asyncpg session against PostgreSQL through the proxy are written as a `pgw
/// serve` script; the same sessions against `pgw serve --script` print exactly what they printed against PostgreSQL.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-record",
            hostBasedAuthentication: ["host all proxy_rec 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "proxy_rec", password: "rec-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(2))
)
struct ProxyRecordTests {
    /// Rows, the same statement answered differently twice, errors (one with a position: psql's `LINE 1: … ^`), a
    /// notice, COPY TO, COPY FROM STDIN (as SQL and
    /// as psql's `\copy`), NULL and numeric.
    static let psqlScript = """
        create temp table fruit (id int, name text);
        insert into fruit values (1, 'apple'), (2, 'banana');
        select id, name from fruit order by id;
        select count(*) from fruit;
        insert into fruit values (3, 'cherry');
        select count(*) from fruit;
        select 1/0;
        select no_such_function(1);
        copy fruit to stdout;
        copy fruit from stdin;
        4\tdate
        \\.
        \\copy fruit (id, name) from stdin
        5\telderberry
        6\tfig
        \\.
        select count(*) from fruit;
        select null::text as nothing, 1.5::numeric as n, array[1,2] as a;
        do $$ begin raise notice 'hello %', 42; end $$;
        begin;
        select 'in a transaction' as state;
        commit;
        begin;
        select 1/0;
        select 'refused' as state;
        rollback;
        """

    /// The extended protocol: bound parameters, a pipeline, and an error.
    static let psycopgScript = """
        import sys, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable", autocommit=True)
        print(conn.execute("select %s::int + 1 as answer, %s::text as word", [41, "x"]).fetchall())
        with conn.pipeline():
            a = conn.execute("select %s::int * 2 as twice", [21])
            b = conn.execute("select %s::text || 'y' as joined", ["x"])
        print(a.fetchall(), b.fetchall())
        try:
            conn.execute("select %s::int / 0", [1])
        except psycopg.errors.DivisionByZero as error:
            print("error", error.sqlstate, error)
        conn.close()
        # Not in autocommit: psycopg sends BEGIN itself and follows the transaction status.
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable")
        print(conn.execute("select %s::text as inside", ["tx"]).fetchall(), conn.info.transaction_status.name)
        conn.rollback()
        try:
            conn.execute("select 1/0")
        except psycopg.errors.DivisionByZero as error:
            print("error", error.sqlstate, conn.info.transaction_status.name)
        conn.rollback()
        print(conn.execute("select 2 as after").fetchall(), conn.info.transaction_status.name)
        conn.close()
        """

    /// asyncpg: parameter types left to the server (the recorded `param_types`), binary parameters and results,
    /// row limits (`fetchval`, `fetchrow`), a prepared statement run twice.
    static let asyncpgScript = """
        import sys, asyncio, asyncpg, datetime, uuid
        async def main(port, user, password):
            c = await asyncpg.connect(host="127.0.0.1", port=int(port), user=user, password=password,
                                      database="postgres", ssl=False)
            await c.execute("create temp table pet (id int, name text, born date)")
            await c.execute("insert into pet values (1, 'rex', '2020-02-29'), (2, 'tom', null)")
            print(await c.fetch("select id, name, born from pet where id = $1", 1))
            print(await c.fetchval("select count(*) from pet where born > $1", datetime.date(2019, 1, 1)))
            when = datetime.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=datetime.timezone.utc)
            print(await c.fetchrow("select $1::uuid as u, $2::timestamptz as t, 1.5::float8 as f, $3 + 1 as n",
                                   uuid.UUID(int=5), when, 41))
            named = await c.prepare("select name from pet where id = $1")
            print(await named.fetchval(1), await named.fetchval(2))
            await c.close()
        asyncio.run(main(*sys.argv[1:4]))
        """

    @Test func recordedSessionsReplayIdenticallyInServe() async throws {
        let server = try PostgresServerTrait.server()
        let (harness, recording, scriptFile, directory) = try await ProxyHarness.startRecording(
            upstreamPort: server.port, format: .none)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recordedPsql = try await Self.psql(port: harness.port, server: server)
        let recordedPython = try await Self.psycopg(port: harness.port)
        let recordedAsyncpg = try await Self.asyncpg(port: harness.port)
        _ = try await harness.stop()
        try recording.write()
        let attributes = try FileManager.default.attributesOfItem(atPath: scriptFile.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let script = try String(contentsOf: scriptFile, encoding: .utf8)
        #expect(recordedPsql.standardOutput.contains("cherry") && recordedPsql.standardError.contains("hello 42"))
        #expect(recordedPsql.standardError.contains("LINE 1: select no_such_function(1);"), "\(recordedPsql)")
        #expect(script.contains("position: 8"), "\(script)")
        #expect(recordedPython.succeeded, "\(recordedPython)")
        #expect(recordedAsyncpg.succeeded, "\(recordedAsyncpg)")
        #expect(script.contains("param_types: [\"int4\"]"), "\(script)")
        // --verify: the replay uses every rule (BEGIN and ROLLBACK are left out of the recording, serve does them).
        let verification = Pipe()
        let (serve, servePort) = try await ListeningProcess.start(
            try PGWExecutable.url(),
            ["serve", "--port", "0", "--log-level", "warning", "--verify", "--script", scriptFile.path],
            standardError: verification)
        defer { serve.terminate() }
        let replayedPsql = try await Self.psql(port: servePort, server: server)
        let replayedPython = try await Self.psycopg(port: servePort)
        let replayedAsyncpg = try await Self.asyncpg(port: servePort)
        #expect(replayedPsql.standardOutput == recordedPsql.standardOutput, "\(script)")
        #expect(replayedPsql.standardError == recordedPsql.standardError, "\(script)")
        #expect(replayedPython.standardOutput == recordedPython.standardOutput, "\(script)")
        #expect(replayedAsyncpg.standardOutput == recordedAsyncpg.standardOutput, "\(replayedAsyncpg)\n\(script)")
        #expect(!script.contains("BEGIN") && !script.contains("ROLLBACK"), "\(script)")
        serve.terminate()
        let report = try await offPool {
            let report = verification.fileHandleForReading.readDataToEndOfFile()
            serve.waitUntilExit()
            return String(decoding: report, as: UTF8.self)
        }
        #expect(serve.terminationStatus == 0, "\(report)\n\(script)")
    }

    /// psql LISTENs and NOTIFYs on the same channel (alone, and with another statement in one Query) and gets one
    /// notification for each, from PostgreSQL and from the replay: serve delivers the session's own NOTIFY itself, so
    /// the recorded rule does not deliver it a second time.
    @Test func aNotifyTheSessionListensToIsDeliveredOnceOnTheReplay() async throws {
        let server = try PostgresServerTrait.server()
        let (harness, recording, scriptFile, directory) = try await ProxyHarness.startRecording(
            upstreamPort: server.port, format: .none)
        defer { try? FileManager.default.removeItem(at: directory) }
        let statements = "listen c;\nnotify c, 'p';\nselect 1 as one \\; notify c, 'q';\nselect pg_notify('c', 'r');\n"
        let recorded = try await Self.psql(port: harness.port, server: server, script: statements)
        _ = try await harness.stop()
        try recording.write()
        let script = try String(contentsOf: scriptFile, encoding: .utf8)
        let (serve, servePort) = try await ListeningProcess.start(
            try PGWExecutable.url(), ["serve", "--port", "0", "--log-level", "warning", "--script", scriptFile.path])
        defer { serve.terminate() }
        let replayed = try await Self.psql(port: servePort, server: server, script: statements)
        func notifications(_ outcome: ProcessOutcome) -> [String] {
            // Without the server process's PID, which differs.
            outcome.standardOutput.split(separator: "\n").filter { $0.hasPrefix("Asynchronous notification") }.map {
                String($0).components(separatedBy: " received from")[0]
            }
        }
        let expected = [
            "Asynchronous notification \"c\" with payload \"p\"", "Asynchronous notification \"c\" with payload \"q\"",
            "Asynchronous notification \"c\" with payload \"r\"",
        ]
        #expect(notifications(recorded) == expected, "\(recorded)")
        #expect(notifications(replayed) == expected, "\(replayed)\n\(script)")
    }

    private static func psql(port: Int, server: PostgresServerFixture, script: String = psqlScript) async throws
        -> ProcessOutcome
    {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "rec-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        return try await SubprocessCommand(
            try server.installation.executable("psql"),
            ["-X", "-w", "host=127.0.0.1 port=\(port) user=proxy_rec dbname=postgres sslmode=disable"],
            environment: environment, standardInput: Data(script.utf8), timeout: .seconds(60)
        ).run()
    }

    private static func psycopg(port: Int) async throws -> ProcessOutcome {
        try await PythonClientScripts.run(
            psycopgScript, module: "psycopg", arguments: [String(port), "proxy_rec", "rec-Secret"])
    }

    private static func asyncpg(port: Int) async throws -> ProcessOutcome {
        try await PythonClientScripts.run(
            asyncpgScript, module: "asyncpg", arguments: [String(port), "proxy_rec", "rec-Secret"])
    }
}
