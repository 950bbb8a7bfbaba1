import Foundation
import PostgresTestSupport
import Testing

/// Real application stacks against `pgw serve`, with and without a script: psql's meta-commands, pgbench,
/// psycopg, psycopg2, asyncpg, pg8000 and SQLAlchemy must run without client errors.
@Suite(.timeLimit(.minutes(3)))
struct ServeStackTests {
    /// A script for the tests: the issue's example rules, and what pgbench's startup checks ask.
    static let script = """
        server:
          version: "16.4"
          auth: trust
          users: {alice: secret}
          parameters: {TimeZone: UTC}
        unmatched: echo
        rules:
          - match: "select id, name from users where id = $1"
            params: ["1"]
            param_types: [int4]
            columns: [{name: id, type: int4}, {name: name, type: text}]
            rows: [[1, "alice"]]
          - match: {regex: "^insert into audit"}
            tag: "INSERT 0 1"
            times: 2
          - match: "select boom()"
            error: {code: "22012", message: "division by zero", detail: "scripted"}
          - match: "select 42 as answer"
            notices: [{severity: WARNING, message: "careful"}]
            rows: [[42]]
            columns: [{name: answer, type: int4}]
          - name: insert user
            match: "INSERT INTO users (name) VALUES ($1::varchar) RETURNING users.id"
            columns: [{name: id, type: int4}]
            rows: [[7]]
          - match: {regex: "relname = 'pgbench_accounts'"}
            columns: [{name: n, type: int4}, {name: partstrat, type: '"char"'}, {name: count, type: int8}]
            rows: [[1, null, 0]]
          - match: "select count(*) from pgbench_branches"
            columns: [{name: count, type: int8}]
            rows: [[1]]
          - match: "select id from users where id = any($1)"
            param_types: ["int4[]"]
            columns: [{name: id, type: int4}]
            rows: [[1], [2]]
        """

    /// A file holding `text`, in a fresh temporary directory.
    static func file(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func run(_ program: String, _ arguments: [String], port: Int, input: String? = nil) async throws
        -> ProcessOutcome
    {
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = "127.0.0.1"
        environment["PGPORT"] = String(port)
        environment["PGUSER"] = "alice"
        environment["PGDATABASE"] = "app"
        environment["PGGSSENCMODE"] = "disable"
        return try await SubprocessCommand(
            try PostgresInstallation.executableOnPath(program), arguments, environment: environment,
            standardInput: input.map { Data($0.utf8) }, timeout: .seconds(60)
        ).run()
    }

    @Test func psqlMetaCommandsAndPostgreSQLBehaviourWithoutAScript() async throws {
        let server = try await ServeProcess([])
        let outcome = try await Self.run(
            "psql", ["-X", "-v", "VERBOSITY=verbose"], port: server.port,
            input: """
                \\du
                \\l
                \\dt
                \\d users
                \\dn
                select 1 as one, 'a' as a, null as n, true as t, 1.5::float8 as f;
                select 1/0;
                selec 1;
                begin;
                select 1/0;
                select 1;
                rollback;
                show standard_conforming_strings;
                set time zone 'Europe/Paris';
                show time zone;
                select $$a;b$$ as d; select 1 -- ; x
                ;
                select * from users;
                """)
        #expect(!outcome.standardOutput.contains("out of range") && !outcome.standardError.contains("FATAL"))
        for expected in [
            "List of roles", "List of databases", "List of schemas", " one | a | n | t |  f  ",
            "   1 | a |   | t | 1.5",
            " a;b", "Europe/Paris", " select * from users",
        ] {
            #expect(outcome.standardOutput.contains(expected), "\(expected) in \(outcome)")
        }
        for expected in [
            "Did not find any relations.", "Did not find any relation named \"users\".",
            "ERROR:  22012: division by zero", "ERROR:  42601: syntax error at or near \"selec\"",
            "ERROR:  25P02: current transaction is aborted",
        ] {
            #expect(outcome.standardError.contains(expected), "\(expected) in \(outcome)")
        }
    }

    @Test func pgbenchInEveryQueryMode() async throws {
        let script = try Self.file("app.yaml", Self.script)
        let select = try Self.file("select1.sql", "select 1;\n")
        let server = try await ServeProcess(["--script", script])
        let builtIn = try await Self.run("pgbench", ["-S", "-n", "-t", "20"], port: server.port)
        #expect(builtIn.succeeded && builtIn.standardOutput.contains("processed: 20/20"), "\(builtIn)")
        for mode in ["simple", "extended", "prepared"] {
            let custom = try await Self.run(
                "pgbench", ["-n", "-M", mode, "-c", "2", "-t", "50", "-f", select], port: server.port)
            #expect(custom.succeeded && custom.standardOutput.contains("processed: 100/100"), "\(mode): \(custom)")
        }
    }

    @Test func pythonDriversAndSQLAlchemy() async throws {
        let script = try Self.file("app.yaml", Self.script)
        let server = try await ServeProcess(["--script", script])
        let outcome = try await Self.run(
            "python3", ["-c", Self.pythonStacks], port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(
            outcome.standardOutput == """
                psycopg (1, 'a', None, True, 1.5) [(1, 'alice')] [] None 2 22012 scripted
                psycopg binary (5, Decimal('1.25'), b'\\x01\\x02')
                psycopg typed True
                psycopg typed True
                psycopg bound (5, True, Decimal('1.5'), 'x')
                psycopg2 (42,) [(1, 'alice')]
                asyncpg 5 8 [] [(1, 'alice')] 42
                asyncpg arrays [1, None, 3] ['a b', ''] [1, 2]
                pg8000 [[1, 4]]
                sqlalchemy psycopg 2 16.4
                sqlalchemy psycopg2 2 16.4
                sqlalchemy pg8000 2 16.4
                orm 7

                """, "\(outcome)")
    }

    static let pythonStacks = """
        import asyncio, datetime, decimal, os, uuid
        import psycopg, psycopg2, asyncpg, pg8000.native
        import sqlalchemy as sa
        from psycopg.types import TypeInfo
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, Session
        port = int(os.environ["PGPORT"])
        with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app") as c:
            row = c.execute("select 1, 'a', null, true, 1.5::float8").fetchone()
            hit = c.execute("select id, name from users where id = %s", (1,)).fetchall()
            miss = c.execute("select id, name from users where id = %s", (2,)).fetchall()
            info = TypeInfo.fetch(c, "hstore")
            with c.pipeline():
                first = c.execute("select 1")
                second = c.execute("select %s::int + 1", (1,))
            two = second.fetchone()[0]
            try:
                c.execute("select boom()")
            except psycopg.Error as e:
                error = (e.sqlstate, e.diag.message_detail)
            print("psycopg", row, hit, miss, info, two, *error)
            c.rollback()
            binary = c.cursor(binary=True).execute("select %s::int, 1.25::numeric, '\\\\x0102'::bytea", (5,)).fetchone()
            print("psycopg binary", binary)
            values = (uuid.UUID(int=1), datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 12, 34, 56, 500000, tzinfo=datetime.timezone.utc))
            typed = "select %s::uuid, %s::date, %s::timestamptz, -7, 1.0/3, current_database()"
            for cursor in (c.cursor(), c.cursor(binary=True)):
                row = cursor.execute(typed, values).fetchone()
                print("psycopg typed", row == (*values, -7, decimal.Decimal("0.33333333333333333333"), "app") or row)
            print("psycopg bound", c.execute("select %s, %s, %s, %s", (5, True, decimal.Decimal("1.5"), "x")).fetchone())
        c = psycopg2.connect(f"host=127.0.0.1 port={port} user=alice dbname=app")
        cursor = c.cursor()
        cursor.execute("select %s::int + 1", (41,))
        answer = cursor.fetchone()
        cursor.execute("select id, name from users where id = %s", (1,))
        print("psycopg2", answer, cursor.fetchall())
        c.close()
        async def run_asyncpg():
            c = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", database="app")
            typed = await c.fetchval("select $1::int", 5)
            prepared = await (await c.prepare("select $1::int8 + 1 as n")).fetchval(7)
            types = await c.fetch("select typname, oid from pg_catalog.pg_type where typname = $1", "hstore")
            hit = [tuple(row) for row in await c.fetch("select id, name from users where id = $1", 1)]
            inferred = await c.fetchval("select $1 + 1", 41)
            print("asyncpg", typed, prepared, types, hit, inferred)
            # Arrays make asyncpg look their types up (its typeinfo_tree introspection) before it binds them.
            arrays = await c.fetchval("select $1::int4[]", [1, None, 3]), await c.fetchval("select $1::text[]", ["a b", ""])
            listed = [row[0] for row in await c.fetch("select id from users where id = any($1)", [1, 2])]
            print("asyncpg arrays", *arrays, listed)
            await c.close()
        asyncio.run(run_asyncpg())
        c = pg8000.native.Connection("alice", host="127.0.0.1", port=port, database="app")
        print("pg8000", c.run("select 1, :x::int", x=4))
        c.close()
        for driver in ["psycopg", "psycopg2", "pg8000"]:
            engine = sa.create_engine(f"postgresql+{driver}://alice@127.0.0.1:{port}/app")
            with engine.connect() as connection:
                two = connection.execute(sa.select(sa.literal(1, sa.Integer) + 1)).scalar()
                print("sqlalchemy", driver, two, ".".join(map(str, engine.dialect.server_version_info)))
            engine.dispose()
        class Base(DeclarativeBase):
            pass
        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str]
        engine = sa.create_engine(f"postgresql+psycopg://alice@127.0.0.1:{port}/app")
        with Session(engine) as session:
            user = User(name="alice")
            session.add(user)
            session.flush()
            print("orm", user.id)
            session.commit()
        """

    /// Binary result formats as psycopg's binary cursor and asyncpg ask for them, for types beyond the numbers and
    /// text: every value comes back in binary as PostgreSQL sends it (the same Python values as from text), and a
    /// type pgw serve cannot send in binary is refused with 0A000 instead of being sent as text. Column types with
    /// modifiers describe themselves as PostgreSQL's do (psycopg's precision, scale and display size).
    @Test func binaryResultsOfArraysIntervalsTimesAndNetworks() async throws {
        let script = try Self.file(
            "types.yaml",
            """
            rules:
              - match: "select id, tags from t"
                columns: [{name: id, type: int4}, {name: tags, type: "text[]"}]
                rows: [[1, '{a,b,NULL,"c d"}'], [2, "{}"], [3, null]]
              - match: "select id, took from t"
                columns: [{name: id, type: int4}, {name: took, type: interval}]
                rows: [[1, "1 day"], [2, "1 year 2 mons 3 days 04:05:06.5"], [3, "-1 days +02:00:00"]]
              - match: "select at, at_zone, host, net from t"
                columns:
                  - {name: at, type: time}
                  - {name: at_zone, type: timetz}
                  - {name: host, type: inet}
                  - {name: net, type: cidr}
                rows: [["13:45:06.789", "13:45:06+05:30", "192.168.0.1", "2001:db8::/32"]]
              - match: "select ids from t"
                columns: [{name: ids, type: "int4[]"}]
                rows: [["{1,NULL,3}"]]
              - match: "select p from t"
                columns: [{name: p, type: point}]
                rows: [["(1,2)"]]
              - match: "select price, name, ok, at from t"
                columns:
                  - {name: price, type: "numeric(10,2)"}
                  - {name: name, type: "character varying(100)"}
                  - {name: ok, type: boolean}
                  - {name: at, type: "timestamp(3) with time zone"}
                rows: [["1.255", "a", "yes", "2024-02-29 12:34:56.5+00"]]
            """)
        let server = try await ServeProcess(["--script", script])
        let outcome = try await Self.run(
            "python3",
            [
                "-c",
                """
                import asyncio, os, psycopg, asyncpg
                port = int(os.environ["PGPORT"])
                queries = ["select id, tags from t", "select id, took from t", "select at, at_zone, host, net from t"]
                with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app") as c:
                    for query in queries + ["select ids from t"]:
                        binary = c.cursor(binary=True).execute(query).fetchall()
                        print("psycopg", binary == c.cursor().execute(query).fetchall() or binary)
                    try:
                        c.cursor(binary=True).execute("select p from t")
                    except psycopg.Error as e:
                        print("psycopg", e.sqlstate, e.diag.message_primary)
                    c.rollback()
                    # As from PostgreSQL 15 for 1.255::numeric(10,2), 'a'::varchar(100), 'yes'::bool, timestamp(3) with time zone.
                    cursor = c.cursor(binary=True).execute("select price, name, ok, at from t")
                    print("psycopg", [(d.name, d.type_code, d.display_size, d.precision, d.scale) for d in cursor.description])
                    print("psycopg", cursor.fetchone()[:3])
                async def run():
                    c = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", database="app")
                    for query in queries:
                        print("asyncpg", [tuple(row) for row in await c.fetch(query)])
                    await c.close()
                asyncio.run(run())
                """,
            ], port: server.port)
        #expect(
            outcome.standardOutput == """
                psycopg True
                psycopg True
                psycopg True
                psycopg True
                psycopg 0A000 pgw serve cannot send type point in binary format
                psycopg [('price', 1700, None, 10, 2), ('name', 1043, 100, None, None), ('ok', 16, None, None, None), \
                ('at', 1184, None, 3, None)]
                psycopg (Decimal('1.26'), 'a', True)
                asyncpg [(1, ['a', 'b', None, 'c d']), (2, []), (3, None)]
                asyncpg [(1, datetime.timedelta(days=1)), (2, datetime.timedelta(days=428, seconds=14706, \
                microseconds=500000)), (3, datetime.timedelta(days=-1, seconds=7200))]
                asyncpg [(datetime.time(13, 45, 6, 789000), datetime.time(13, 45, 6, \
                tzinfo=datetime.timezone(datetime.timedelta(seconds=19800))), IPv4Address('192.168.0.1'), \
                IPv6Network('2001:db8::/32'))]

                """, "\(outcome)")
    }

    /// A server in Europe/Paris (its `TimeZone` parameter), as PostgreSQL 15 answers there: a rule's timestamptz
    /// without an offset is a time in the session's zone, one with an offset that instant, printed in the zone
    /// (psql) and sent as that instant (psycopg in text and binary); now() and the other clocks in the zone, also
    /// after pgcli sets the zone at connect; infinite dates and timestamps in binary (asyncpg's date.max…, as from
    /// PostgreSQL 15), dates and times in binary in another DateStyle too; one process ID in BackendKeyData,
    /// pg_backend_pid() and a rule's notification (psycopg's backend_pid).
    @Test func datesAndTimesInTheSessionsZoneAndOneProcessID() async throws {
        let script = try Self.file(
            "paris.yaml",
            """
            server:
              parameters: {TimeZone: Europe/Paris}
            rules:
              - match: "select ts, d from t"
                columns: [{name: ts, type: timestamptz}, {name: d, type: date}]
                rows: [["2024-02-29 12:34:56", "2024-02-29"], ["2024-07-01 12:00:00+02", "infinity"]]
              - match: "select ts from t"
                columns: [{name: ts, type: timestamptz}]
                rows: [["2024-02-29 12:34:56"], ["2024-07-01 12:00:00+02"]]
              - match: "select d, ts, tz from infinite"
                columns: [{name: d, type: date}, {name: ts, type: timestamp}, {name: tz, type: timestamptz}]
                rows: [["infinity", "-infinity", "infinity"], ["-infinity", "infinity", "-infinity"]]
              - match: "listen jobs"
                tag: LISTEN
                notify: {channel: jobs, payload: ready}
            """)
        let server = try await ServeProcess(["--script", script])
        let psql = try await Self.run(
            "psql",
            [
                "-X", "-tA", "-c", "select ts, d from t", "-c", "set timezone = 'America/New_York'", "-c",
                "select ts, d from t", "-c", "set datestyle = 'German'", "-c", "select ts, d from t",
            ], port: server.port)
        #expect(
            psql.standardOutput == """
                2024-02-29 12:34:56+01|2024-02-29
                2024-07-01 12:00:00+02|infinity
                SET
                2024-02-29 12:34:56-05|2024-02-29
                2024-07-01 06:00:00-04|infinity
                SET
                29.02.2024 12:34:56 EST|29.02.2024
                01.07.2024 06:00:00 EDT|infinity

                """, "\(psql)")
        let clocks = try await Self.run(
            "psql", ["-X", "-tA", "-c", "select now(), current_time, localtimestamp, current_date"],
            port: server.port)
        #expect(
            (try? #/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+0[12]\|\d\d:[0-9:.]+\+0[12]\|[0-9-]+ [0-9:.]+\|[0-9-]+\n/#
                .wholeMatch(in: clocks.standardOutput)) != nil, "\(clocks)")
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "Asia/Kathmandu"
        environment["HOME"] = (script as NSString).deletingLastPathComponent
        let pgcli = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("pgcli"),
            [
                "--less-chatty", "-h", "127.0.0.1", "-p", String(server.port), "-U", "alice", "-d", "app", "-w",
                "-c", "select now()::text as now",
            ], environment: environment, timeout: .seconds(60)
        ).run()
        #expect(pgcli.standardOutput.contains("+05:45"), "\(pgcli)")
        #expect(!pgcli.standardOutput.contains("echo"), "\(pgcli)")
        let python = try await Self.run(
            "python3",
            [
                "-c",
                """
                import asyncio, datetime, os, psycopg, asyncpg
                port = int(os.environ["PGPORT"])
                utc = datetime.timezone.utc
                expected = [datetime.datetime(2024, 2, 29, 11, 34, 56, tzinfo=utc), datetime.datetime(2024, 7, 1, 10, 0, tzinfo=utc)]
                with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app", autocommit=True) as c:
                    for binary in (False, True):
                        rows = c.cursor(binary=binary).execute("select ts from t").fetchall()
                        print("psycopg", binary, [row[0] for row in rows] == expected or rows)
                    pids = []
                    c.add_notify_handler(lambda notify: pids.append(notify.pid))
                    c.execute("listen jobs")
                    backend = c.execute("select pg_backend_pid()").fetchone()[0]
                    print("psycopg pids", c.info.backend_pid == backend == pids[0] or (c.info.backend_pid, backend, pids))
                async def run():
                    c = await asyncpg.connect(host="127.0.0.1", port=port, user="alice", database="app")
                    print("asyncpg", [tuple(row) for row in await c.fetch("select d, ts, tz from infinite")])
                    await c.close()
                    # Binary dates and times whatever the DateStyle.
                    c = await asyncpg.connect(
                        host="127.0.0.1", port=port, user="alice", database="app", server_settings={"datestyle": "German"})
                    rows = [tuple(row) for row in await c.fetch("select ts, d from t")]
                    print("asyncpg German", rows == [(expected[0], datetime.date(2024, 2, 29)), (expected[1], datetime.date.max)] or rows)
                    await c.close()
                asyncio.run(run())
                """,
            ], port: server.port)
        #expect(
            python.standardOutput == """
                psycopg False True
                psycopg True True
                psycopg pids True
                asyncpg [(datetime.date(9999, 12, 31), datetime.datetime(1, 1, 1, 0, 0), datetime.datetime(9999, 12, 31, \
                23, 59, 59, 999999)), (datetime.date(1, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999), \
                datetime.datetime(1, 1, 1, 0, 0))]
                asyncpg German True

                """, "\(python)")
    }

    /// A client in LATIN1 or WIN1252 (psycopg's `client_encoding`) as with PostgreSQL 15: its text is read into
    /// UTF-8 before rules match it, values and column names come back in its encoding (the bytes PostgreSQL
    /// sends), and a character the encoding does not have is 22P05.
    @Test func textIsConvertedToAndFromTheClientEncoding() async throws {
        let script = try Self.file(
            "latin1.yaml",
            """
            rules:
              - match: "select name from users where name = $1"
                params: ["héllo"]
                columns: [{name: "nämé"}]
                rows: [["héllo wörld"]]
              - match: "select price"
                columns: [{name: price}]
                rows: [["5 €"]]
            """)
        let server = try await ServeProcess(["--script", script])
        let python = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                url = f"host=127.0.0.1 port={os.environ['PGPORT']} user=alice dbname=app"
                with psycopg.connect(url, client_encoding="latin1") as c:
                    cursor = c.execute("select name from users where name = %s", ("héllo",))
                    print(c.info.encoding, cursor.description[0].name, cursor.fetchone()[0])
                    raw = c.pgconn.exec_("select name from users where name = 'héllo'".encode("latin1"))
                    print(raw.fname(0), raw.get_value(0, 0))
                    try:
                        c.execute("select price")
                    except psycopg.Error as e:
                        print(e.sqlstate, e.diag.message_primary)
                with psycopg.connect(url, client_encoding="WIN1252") as c:
                    print(c.info.encoding, c.execute("select price").fetchone()[0])
                """,
            ], port: server.port)
        #expect(
            python.standardOutput == """
                iso8859-1 nämé héllo wörld
                b'n\\xe4m\\xe9' b'h\\xe9llo w\\xf6rld'
                22P05 character with byte sequence 0xe2 0x82 0xac in encoding "UTF8" has no equivalent in encoding \
                "LATIN1"
                cp1252 5 €

                """, "\(python)")
    }

    @Test func verifyFailsOnAnUnmatchedStatementAndListsUnusedRules() async throws {
        let script = try Self.file(
            "app.yaml",
            """
            rules:
              - match: "select name from users where id = 1"
                columns: [{name: name}]
                rows: [[alice]]
              - name: never used
                match: {exact: "select nothing"}
              - match: "select name from users where id = $1"
                params: ["7"]
                columns: [{name: name}]
            """)
        let log = (script as NSString).deletingLastPathComponent + "/statements.jsonl"
        let server = try await ServeProcess(
            ["--script", script, "--verify", "--log", log], capturingStandardError: true)
        let outcome = try await Self.run(
            "psql", ["-X", "-tA", "-c", "SELECT name FROM users WHERE id = 2", "-c", "delete from users\nwhere true"],
            port: server.port)
        // An unmatched DELETE (no RETURNING) completes with its tag, as it returns no rows in PostgreSQL.
        #expect(outcome.standardOutput == "alice\nDELETE 0\n", "\(outcome)")
        // Cursor commands are logged as they arrive (the session answers them), the DECLARE's query after it.
        let cursor = [
            "begin", "declare c cursor for select name from users where id = 1", "fetch 1 from c", "move 1 in c",
            "close c", "commit",
        ]
        let cursorOutcome = try await Self.run(
            "psql", ["-X", "-tA"] + cursor.flatMap { ["-c", $0] }, port: server.port)
        #expect(cursorOutcome.succeeded && cursorOutcome.standardOutput.contains("alice"), "\(cursorOutcome)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        #expect(server.process.terminationStatus == 1)
        let report = try server.standardErrorAfterExit()
        // One line each: a statement's line breaks escaped, a rule's params shown.
        #expect(report.contains("unmatched statement: delete from users\\nwhere true\n"), "\(report)")
        #expect(report.contains("unused rule 'never used' at line 5: exact select nothing"), "\(report)")
        #expect(
            report.contains(#"unused rule at line 7: select name from users where id = $1 with parameters ["7"]"#),
            "\(report)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 + cursor.count + 1, "\(lines)")
        let logged = lines.dropFirst(2).map { line in
            let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return "\(entry?["answeredBy"] ?? "none"): \(entry?["statement"] ?? "none")"
        }
        #expect(
            logged == [
                "session: begin", "session: \(cursor[1])", "rule: select name from users where id = 1",
                "session: fetch 1 from c", "session: move 1 in c", "session: close c", "session: commit",
            ], "\(lines)")
        #expect(
            lines.first?.contains("\"answeredBy\":\"rule\"") == true
                && lines.first?.contains("\"rule\":\"line 2\"") == true)
        // RFC 3339 in UTC with microseconds, as the proxy's and decode's JSON lines.
        #expect(
            lines.first?.contains(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"/) == true, "\(lines)")
    }

    @Test func usageAndScriptErrorsAreClear() async throws {
        let badPort = try await PGWExecutable.run(["serve", "--port", "70000"])
        #expect(badPort.status == 64 && badPort.standardError.contains("0 to 65535"), "\(badPort)")
        let script = try Self.file("bad.yaml", "rules:\n  - match: \"selec x\"\n    rows: [[1]]\n")
        let invalid = try await PGWExecutable.run(["serve", "--script", script, "-p", "0"])
        #expect(invalid.status == 1, "\(invalid)")
        #expect(invalid.standardError.contains("bad.yaml:2:12: 'selec x' is not a statement PostgreSQL can parse"))
        let missing = try await PGWExecutable.run(["serve", "--script", "/nonexistent/app.yaml", "-p", "0"])
        #expect(missing.standardError.contains("cannot read script '/nonexistent/app.yaml': No such file or directory"))
        let directory = try await PGWExecutable.run(["serve", "--script", NSTemporaryDirectory(), "-p", "0"])
        #expect(directory.standardError.contains("Is a directory (give the script's YAML file)"), "\(directory)")
        let unknownHost = try await PGWExecutable.run(["serve", "-h", "nosuch.invalid", "-p", "0"])
        #expect(
            unknownHost.status == 1
                && unknownHost.standardError.contains(
                    "cannot listen on nosuch.invalid:0: could not translate host name \"nosuch.invalid\" to address"),
            "\(unknownHost)")
        let server = try await ServeProcess([])
        let busy = try await PGWExecutable.run(["serve", "-h", "127.0.0.1", "-p", String(server.port)])
        #expect(busy.status == 1, "\(busy)")
        #expect(busy.standardError.contains("cannot listen on 127.0.0.1:\(server.port): Address already in use"))
        #expect(busy.standardError.contains("hint:"))
        let help = try await PGWExecutable.run(["serve", "-?"])
        #expect(help.status == 0 && help.standardOutput.contains("-h, --host"), "\(help)")
    }

    @Test func djangoCheckAndShowmigrationsWithScriptedAnswers() async throws {
        let script = try Self.file(
            "django.yaml",
            #"""
            rules:
              - match: {regex: "obj_description"}
                columns: [{name: relname, type: name}, {name: case, type: text}, {name: obj_description, type: text}]
                rows: [[django_migrations, t, null]]
              - match: 'SELECT "django_migrations"."id", "django_migrations"."app", "django_migrations"."name", "django_migrations"."applied" FROM "django_migrations"'
                columns: [{name: id, type: int8}, {name: app, type: varchar}, {name: name, type: varchar}, {name: applied, type: timestamptz}]
                rows: [[1, contenttypes, 0001_initial, "2024-01-02 03:04:05+00"]]
            """#)
        let server = try await ServeProcess(["--script", script, "--verify"], capturingStandardError: true)
        let outcome = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, django
                from django.conf import settings
                settings.configure(
                    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
                                           "PORT": os.environ["PGPORT"], "NAME": "app", "USER": "alice"}},
                    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"], USE_TZ=True)
                django.setup()
                from django.core.management import call_command
                call_command("check", databases=["default"])
                call_command("showmigrations", "contenttypes")
                """,
            ], port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(
            outcome.standardOutput.hasSuffix(
                "contenttypes\n [X] 0001_initial\n [ ] 0002_remove_content_type_name\n"), "\(outcome)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try server.standardErrorAfterExit()
        #expect(server.process.terminationStatus == 0, "\(report)")
    }

    @Test func copyOutAndNotificationsFromRules() async throws {
        let script = try Self.file(
            "copy.yaml",
            """
            rules:
              - match: "copy t to stdout"
                copy_out: "1\\ta\\n2\\tb\\n"
              - match: "update jobs set state = 'done'"
                tag: "UPDATE 1"
                notify: {channel: jobs, payload: done}
            """)
        let server = try await ServeProcess(["--script", script])
        let outcome = try await Self.run(
            "psql", ["-X", "-c", "copy t to stdout", "-c", "update jobs set state = 'x'"], port: server.port)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.hasPrefix("1\ta\n2\tb\nUPDATE 1\n"), "\(outcome)")
        #expect(
            outcome.standardOutput.contains("Asynchronous notification \"jobs\" with payload \"done\" received"),
            "\(outcome)")
        // One CopyData per row, as PostgreSQL sends: psycopg reads rows one message at a time.
        let rows = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                c = psycopg.connect(f"host=127.0.0.1 port={os.environ['PGPORT']} user=alice dbname=app")
                with c.cursor().copy("copy t to stdout") as copy:
                    print(list(copy.rows()))
                """,
            ], port: server.port)
        #expect(rows.standardOutput == "[('1', 'a'), ('2', 'b')]\n", "\(rows)")
    }

    /// pgcli with its default configuration (a fresh HOME): its startup queries (SHOW TIME ZONE, SET TIME ZONE
    /// "Etc/UTC") and `\\dt`.
    @Test func pgcliWithItsDefaultConfiguration() async throws {
        let server = try await ServeProcess([])
        let home = (try Self.file("home", "") as NSString).deletingLastPathComponent
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["PGGSSENCMODE"] = "disable"
        let outcome = try await SubprocessCommand(
            try PostgresInstallation.executableOnPath("pgcli"),
            [
                "-h", "127.0.0.1", "-p", String(server.port), "-U", "alice", "-d", "app", "-w", "-c", "select 1 as one",
                "-c", "\\dt",
            ],
            environment: environment, timeout: .seconds(60)
        ).run()
        #expect(outcome.succeeded, "\(outcome)")
        #expect(
            outcome.standardOutput.contains("| one |") && outcome.standardOutput.contains("| Schema | Name"),
            "\(outcome)")
        #expect(!outcome.standardError.contains("rror"), "\(outcome)")
    }
}
