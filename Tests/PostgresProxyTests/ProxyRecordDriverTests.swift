import Foundation
import PostgresProxy
import PostgresTestSupport
import Testing

/// `--record` with each Python driver's ways of sending statements (parameterless extended-protocol statements,
/// psycopg's pipeline and binary cursors, asyncpg's type introspection and binary COPY, type modifiers), errors
/// with their fields, and statements cancelled by the client's timeout or statement_timeout: the
/// session recorded against PostgreSQL replays in `pgw serve --script --verify` with the same output, every rule
/// used and no statement unmatched.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-record-drivers",
            hostBasedAuthentication: ["host all proxy_drv 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "proxy_drv", password: "drv-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(3))
)
struct ProxyRecordDriverTests {
    /// asyncpg: a statement without parameters, an array (asyncpg's type introspection), type modifiers, and a
    /// binary COPY FROM STDIN (`copy_records_to_table`, after describing the table's columns).
    static let asyncpg = """
        import sys, asyncio, asyncpg
        async def main(port, user, password):
            c = await asyncpg.connect(host="127.0.0.1", port=int(port), user=user, password=password,
                                      database="postgres", ssl=False)
            print(await c.fetch("select 'a' as x"))
            print(await c.fetch("select array[1, 2] as a, 1.25::numeric(5,2) as n"))
            await c.execute("create temp table q (id int)")
            print(await c.copy_records_to_table("q", records=[(1,), (2,)]))
            print(await c.fetch("select id from q order by id"))
            await c.close()
        asyncio.run(main(*sys.argv[1:4]))
        """

    /// psycopg 3: a pipeline and a binary cursor without parameters, type modifiers in the description, and a
    /// binary COPY FROM STDIN.
    static let psycopg = """
        import sys, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable", autocommit=True)
        with conn.pipeline():
            a = conn.execute("select 'a' as x")
            b = conn.execute("select 2 as y")
        print(a.fetchall(), b.fetchall())
        print(conn.cursor(binary=True).execute("select 1.5::float8 as f, 'b' as t").fetchall())
        cur = conn.execute("select 1.25::numeric(5,2) as n, 'ab'::varchar(10) as v")
        print(cur.fetchall(), [(d.name, d.precision, d.scale, d.internal_size) for d in cur.description])
        conn.execute("create temp table b1 (id int)")
        with conn.cursor().copy("copy b1 from stdin (format binary)") as copy:
            copy.set_types(["int4"])
            copy.write_row((1,))
            copy.write_row((2,))
        print(conn.execute("select count(*) from b1").fetchall())
        conn.close()
        """

    /// psycopg2: values written into the statement, a type modifier in the description.
    static let psycopg2 = """
        import sys, psycopg2
        port, user, password = sys.argv[1:4]
        conn = psycopg2.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                                sslmode="disable")
        cur = conn.cursor()
        cur.execute("select %s::int + 1 as answer, 'a' as x", (41,))
        print(cur.fetchall())
        cur.execute("select 1.25::numeric(5,2) as n")
        print(cur.fetchall(), [(d.name, d.precision, d.scale) for d in cur.description])
        conn.rollback()
        conn.close()
        """

    /// pg8000: the extended protocol for every statement, with and without parameters.
    static let pg8000 = """
        import sys, pg8000.native
        port, user, password = sys.argv[1:4]
        conn = pg8000.native.Connection(user, host="127.0.0.1", port=int(port), password=password, database="postgres")
        print(conn.run("select 'a' as x"))
        print(conn.run("select :a::int * 3 as n, 'hé' as s", a=14))
        print(conn.run("select array[1, 2] as a"))
        conn.close()
        """

    /// asyncpg's errors: a unique and a not-null violation and a PL/pgSQL RAISE with every object field, whose
    /// attributes (constraint_name, table_name, context, the source function…) come from the replayed error's fields.
    static let asyncpgErrors = """
        import sys, asyncio, asyncpg
        async def main(port, user, password):
            c = await asyncpg.connect(host="127.0.0.1", port=int(port), user=user, password=password,
                                      database="postgres", ssl=False)
            await c.execute("create temp table u (id int primary key, name text not null)")
            await c.execute("insert into u values (1, 'a')")
            for statement, args in [
                ("insert into u values ($1, 'b')", (1,)), ("insert into u values (2, null)", ()),
                ("do $$ begin raise exception using message = 'm', datatype = 'int4', column = 'c', table = 't', "
                 "schema = 's', constraint = 'k'; end $$", ()),
            ]:
                try:
                    await c.execute(statement, *args)
                except asyncpg.PostgresError as e:
                    print(type(e).__name__, e.as_dict())
            await c.close()
        asyncio.run(main(*sys.argv[1:4]))
        """

    /// psycopg 3's errors: the Diagnostic of a unique and a not-null violation.
    static let psycopgErrors = """
        import sys, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable", autocommit=True)
        conn.execute("create temp table u (id int primary key, name text not null)")
        conn.execute("insert into u values (1, 'a')")
        for statement, args in [("insert into u values (%s, 'b')", (1,)), ("insert into u values (2, null)", None)]:
            try:
                conn.execute(statement, args)
            except psycopg.Error as e:
                d = e.diag
                print(e.sqlstate, d.schema_name, d.table_name, d.column_name, d.datatype_name, d.constraint_name,
                      d.context, d.source_file, d.source_line, d.source_function)
        conn.close()
        """

    /// asyncpg's `timeout=`: the statement is cancelled (its CancelRequest) and asyncio.TimeoutError raised, on the
    /// replay too (the recorded `delay` lets the timer fire first), and the session goes on.
    static let asyncpgTimeout = """
        import sys, asyncio, asyncpg
        async def main(port, user, password):
            c = await asyncpg.connect(host="127.0.0.1", port=int(port), user=user, password=password,
                                      database="postgres", ssl=False)
            try:
                await c.fetch("select pg_sleep(5)", timeout=0.3)
            except asyncio.TimeoutError:
                print("timed out")
            except asyncpg.PostgresError as e:
                print("error", e.sqlstate)
            print(await c.fetchval("select 1 as n"))
            await c.close()
        asyncio.run(main(*sys.argv[1:4]))
        """

    /// psycopg 3: a statement cancelled by `cancel()` from another thread, and one ended by statement_timeout, each
    /// after the time it ran against PostgreSQL.
    static let psycopgTimeout = """
        import sys, threading, time, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable", autocommit=True)
        start = time.monotonic()
        threading.Timer(0.3, conn.cancel).start()
        try:
            conn.execute("select pg_sleep(5)")
        except psycopg.errors.QueryCanceled as e:
            print(e.diag.message_primary, time.monotonic() - start > 0.25)
        conn.execute("set statement_timeout = 300")
        start = time.monotonic()
        try:
            conn.execute("select pg_sleep(6)")
        except psycopg.errors.QueryCanceled as e:
            print(e.diag.message_primary, time.monotonic() - start > 0.25)
        print(conn.execute("select 1 as n").fetchall())
        conn.close()
        """

    /// psycopg 3's named cursors: one whose name changes from run to run (as Django's `.iterator(chunk_size=…)`
    /// names its cursors), with a bound value, fetched in parts; one closed before its last rows; a scrollable WITH
    /// HOLD cursor moved ABSOLUTE, then fetched to its end.
    static let psycopgCursors = """
        import sys, uuid, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable")
        with conn.cursor(f"_django_curs_{uuid.uuid4().hex}") as cur:
            cur.execute("select g as id, 'n' || g as name from generate_series(1, 5) g where g > %s", [1])
            print(cur.fetchone(), cur.fetchmany(2), cur.fetchall(), cur.fetchone())
        with conn.cursor("early") as cur:
            cur.execute("select g from generate_series(1, 100) g")
            print(cur.fetchmany(3))
        with conn.cursor("held", withhold=True, scrollable=True) as cur:
            cur.execute("select g from generate_series(1, 5) g")
            cur.scroll(3, mode="absolute")
            print(cur.fetchone(), cur.fetchall())
        conn.commit()
        conn.close()
        """

    /// psycopg2's named cursors (`DECLARE "c2" CURSOR WITHOUT HOLD FOR …`): iterated `itersize` rows at a time, and
    /// a scrollable one moved forward and back.
    static let psycopg2Cursors = """
        import sys, psycopg2
        port, user, password = sys.argv[1:4]
        conn = psycopg2.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                                sslmode="disable")
        cur = conn.cursor("c2")
        cur.itersize = 2
        cur.execute("select g, g * 10 as t from generate_series(1, 5) g where g <= %s", (4,))
        print(cur.fetchmany(1), list(cur))
        cur.close()
        cur = conn.cursor("c3", scrollable=True)
        cur.execute("select g from generate_series(1, 6) g")
        cur.scroll(2)
        print(cur.fetchone())
        cur.scroll(-2)
        print(cur.fetchone(), cur.fetchmany(2))
        cur.close()
        conn.commit()
        conn.close()
        """

    /// psycopg 3: simple Queries (no parameters) that run over a second before a CancelRequest or statement_timeout
    /// ends them end at the same moment on the replay: their delay counts from the Query, not from the RowDescription
    /// PostgreSQL sends with the error.
    static let psycopgLongCancel = """
        import sys, threading, time, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="disable", autocommit=True)
        start = time.monotonic()
        threading.Timer(1.3, conn.cancel).start()
        try:
            conn.execute("select pg_sleep(6)")
        except psycopg.errors.QueryCanceled as e:
            print(e.diag.message_primary, time.monotonic() - start > 1.25)
        conn.execute("set statement_timeout = 1500")
        start = time.monotonic()
        try:
            conn.execute("select pg_sleep(7)")
        except psycopg.errors.QueryCanceled as e:
            print(e.diag.message_primary, time.monotonic() - start > 1.45)
        conn.close()
        """

    /// asyncpg's cursor: Executes of one portal with a row limit (PortalSuspended, then Execute again): the replay
    /// fetches every row again, not only the first batch.
    static let asyncpgCursor = """
        import sys, asyncio, asyncpg
        async def main(port, user, password):
            c = await asyncpg.connect(host="127.0.0.1", port=int(port), user=user, password=password,
                                      database="postgres", ssl=False)
            async with c.transaction():
                print([r[0] async for r in c.cursor("select generate_series(1, 5)", prefetch=2)])
                print([r[0] async for r in c.cursor("select generate_series(1, $1)", 4, prefetch=2)])
            await c.close()
        asyncio.run(main(*sys.argv[1:4]))
        """

    @Test(arguments: [
        ("asyncpg", Self.asyncpg), ("psycopg", Self.psycopg), ("psycopg2", Self.psycopg2), ("pg8000", Self.pg8000),
        ("asyncpg", Self.asyncpgErrors), ("psycopg", Self.psycopgErrors), ("asyncpg", Self.asyncpgTimeout),
        ("psycopg", Self.psycopgTimeout), ("psycopg", Self.psycopgCursors), ("psycopg2", Self.psycopg2Cursors),
        ("psycopg", Self.psycopgLongCancel), ("asyncpg", Self.asyncpgCursor),
    ])
    func recordedDriverSessionReplaysUnderVerify(module: String, script: String) async throws {
        try await Self.recordAndReplay(script, module: module)
    }

    /// psycopg 3 logs in to two databases whose TimeZone differs (`ALTER DATABASE … SET timezone`) and prints what
    /// each login reported: the replay reports each database's again (the script's `server.logins`).
    static let psycopgTwoDatabases = """
        import sys, psycopg
        port, user, password = sys.argv[1:4]
        for database in ["postgres", "pgw_record_tokyo", "postgres"]:
            conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname=database,
                                   sslmode="disable", autocommit=True)
            print(database, conn.info.parameter_status("TimeZone"), conn.execute("show timezone").fetchone())
            conn.close()
        """

    @Test func eachLoginReplaysTheParametersItsDatabaseReported() async throws {
        let server = try PostgresServerTrait.server()
        // Created once per server (an existing database is kept).
        _ = try await server.runSQL(
            "create database pgw_record_tokyo", as: PostgresServerFixture.superuser, password: "")
        let altered = try await server.runSQL(
            "alter database pgw_record_tokyo set timezone = 'Asia/Tokyo'", as: PostgresServerFixture.superuser,
            password: "")
        #expect(altered.succeeded, "\(altered)")
        try await Self.recordAndReplay(Self.psycopgTwoDatabases, module: "psycopg", expecting: "Asia/Tokyo")
    }

    /// psql's DECLARE, FETCH (forward, backward, ALL, past the end), MOVE and CLOSE, a cursor closed before its
    /// last rows, a WITH HOLD cursor, a BINARY cursor (its rows recorded as text), and a DECLARE whose query fails:
    /// the recording holds the cursors' queries and their rows, no cursor commands, and replays.
    static let psqlCursors = """
        create temp table items (id int, name text);
        insert into items values (1, 'a'), (2, 'b'), (3, 'c');
        begin;
        declare c cursor for select id, name from items order by id;
        fetch 1 from c;
        fetch 1 from c;
        close c;
        commit;
        begin;
        declare s scroll cursor for select g from generate_series(1, 10) g;
        move forward 3 in s;
        fetch backward 2 from s;
        fetch 2 in s;
        fetch prior from s;
        fetch all in s;
        fetch next from s;
        commit;
        declare h cursor with hold for select 'held' as x;
        fetch h;
        close h;
        begin;
        declare b binary cursor for select 258::int4 as n, 1.5::numeric as m;
        fetch all from b;
        commit;
        begin;
        declare bad cursor for select * from no_such_table;
        rollback;
        """

    @Test func recordedPsqlCursorsReplayUnderVerify() async throws {
        let server = try PostgresServerTrait.server()
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "drv-Secret"
        environment["PGPASSFILE"] = "/dev/null"
        let yaml = try await Self.recordAndReplay { port in
            try await SubprocessCommand(
                try server.installation.executable("psql"),
                ["-X", "-w", "host=127.0.0.1 port=\(port) user=proxy_drv dbname=postgres sslmode=disable"],
                environment: environment, standardInput: Data(Self.psqlCursors.utf8), timeout: .seconds(60)
            ).run()
        }
        #expect(yaml.contains("{exact: \"select id, name from items order by id\"}"), "\(yaml)")
        #expect(yaml.contains("- [\"258\", \"1.5\"]"), "\(yaml)")
        for command in ["DECLARE", "FETCH", "MOVE", "CLOSE"] { #expect(!yaml.contains(command), "\(yaml)") }
    }

    /// Runs `script` (a Python program importing `module`) through a recording proxy to PostgreSQL, then against
    /// `pgw serve --verify` with the recorded script: the same output (holding `expecting`), every rule used.
    private static func recordAndReplay(_ script: String, module: String, expecting: String = "") async throws {
        try await recordAndReplay(expecting: expecting) { port in try await Self.run(script, module: module, port: port)
        }
    }

    /// Runs `client` (given the port) through a recording proxy to PostgreSQL, then against `pgw serve --verify`
    /// with the recorded script: the same output (holding `expecting`), every rule used; returns the script.
    @discardableResult
    private static func recordAndReplay(
        expecting: String = "", client: (Int) async throws -> ProcessOutcome
    ) async throws -> String {
        let server = try PostgresServerTrait.server()
        let (harness, recording, scriptFile, directory) = try await ProxyHarness.startRecording(
            upstreamPort: server.port, format: .none)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorded = try await client(harness.port)
        _ = try await harness.stop()
        try recording.write()
        let yaml = try String(contentsOf: scriptFile, encoding: .utf8)
        #expect(recorded.succeeded && (expecting.isEmpty || recorded.standardOutput.contains(expecting)), "\(recorded)")
        #expect(!yaml.contains("not recordable"), "\(yaml)")
        #expect(!yaml.contains("params: []"), "\(yaml)")
        let verification = Pipe()
        let (serve, servePort) = try await ListeningProcess.start(
            try PGWExecutable.url(),
            ["serve", "--port", "0", "--log-level", "warning", "--verify", "--script", scriptFile.path],
            standardError: verification)
        defer { serve.terminate() }
        let replayed = try await client(servePort)
        #expect(replayed.succeeded, "\(replayed)\n\(yaml)")
        #expect(replayed.standardOutput == recorded.standardOutput, "\(replayed)\n\(yaml)")
        serve.terminate()
        let report = try await offPool {
            let report = verification.fileHandleForReading.readDataToEndOfFile()
            serve.waitUntilExit()
            return String(decoding: report, as: UTF8.self)
        }
        #expect(serve.terminationStatus == 0, "\(report)\n\(yaml)")
        return yaml
    }

    private static func run(_ script: String, module: String, port: Int) async throws -> ProcessOutcome {
        try await PythonClientScripts.run(script, module: module, arguments: [String(port), "proxy_drv", "drv-Secret"])
    }
}
