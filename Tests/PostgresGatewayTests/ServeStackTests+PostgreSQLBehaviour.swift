import Foundation
import PostgresTestSupport
import Testing

/// Real clients meeting `pgw serve` where it answers as PostgreSQL 15 does: statement_timeout from PGOPTIONS,
/// prepared statements of several commands, pgbench's setup, and rows for statements that return them.
extension ServeStackTests {
    /// ``run(_:_:port:input:)`` with `environment` added.
    static func run(_ program: String, _ arguments: [String], port: Int, environment added: [String: String])
        async throws -> ProcessOutcome
    {
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = "127.0.0.1"
        environment["PGPORT"] = String(port)
        environment["PGUSER"] = "alice"
        environment["PGDATABASE"] = "app"
        environment["PGGSSENCMODE"] = "disable"
        environment.merge(added) { $1 }
        return try await SubprocessCommand(
            try PostgresInstallation.executableOnPath(program), arguments, environment: environment,
            timeout: .seconds(60)
        ).run()
    }

    @Test func statementTimeoutFromPGOPTIONSCancelsAScriptedDelay() async throws {
        let script = try Self.file(
            "sleep.yaml", Self.script + "\n  - match: select pg_sleep(5)\n    delay: 5s\n")
        let server = try await ServeProcess(["--script", script])
        let outcome = try await Self.run(
            "psql",
            ["-X", "-At", "-c", "show statement_timeout", "-c", "show search_path", "-c", "select pg_sleep(5)"],
            port: server.port, environment: ["PGOPTIONS": "-c statement_timeout=500 -c search_path=foo"])
        #expect(outcome.standardOutput == "500ms\nfoo\n", "\(outcome)")
        #expect(outcome.standardError.contains("ERROR:  canceling statement due to statement timeout"), "\(outcome)")
    }

    /// SQLAlchemy's `isolation_level` (engine-wide and per connection, returned to the pool and reset) with psycopg,
    /// psycopg2 and asyncpg, which start their transactions with BEGIN ISOLATION LEVEL or SET SESSION
    /// CHARACTERISTICS, and psql's session: settings undone by ROLLBACK, SET LOCAL until COMMIT, savepoints and
    /// statements refused in a block, DISCARD ALL, `set_config`, application_name and settings PostgreSQL 15 shows.
    /// Every expected line is what the same program printed against PostgreSQL 15.18.
    @Test func transactionsAndSettingsAsSQLAlchemyAndPsqlUseThem() async throws {
        let server = try await ServeProcess([])
        let python = try await Self.run(
            "python3",
            [
                "-c",
                """
                import asyncio, os, psycopg, sqlalchemy as sa
                from sqlalchemy.ext.asyncio import create_async_engine
                port = os.environ["PGPORT"]
                for driver in ["psycopg", "psycopg2"]:
                    e = sa.create_engine(f"postgresql+{driver}://alice@127.0.0.1:{port}/app", isolation_level="REPEATABLE READ")
                    with e.connect() as c:
                        level = c.get_isolation_level(), c.exec_driver_sql("show transaction_isolation").scalar()
                    with e.connect().execution_options(isolation_level="SERIALIZABLE") as c:
                        serializable = c.get_isolation_level(), c.exec_driver_sql("show transaction isolation level").scalar()
                    with e.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                        autocommit = c.exec_driver_sql("show transaction_isolation").scalar()
                    with e.connect() as c:
                        again = c.get_isolation_level()
                    e.dispose()
                    print(driver, *level, *serializable, autocommit, again)
                async def main():
                    e = create_async_engine(f"postgresql+asyncpg://alice@127.0.0.1:{port}/app", isolation_level="REPEATABLE READ")
                    async with e.connect() as c:
                        level = await c.get_isolation_level(), (await c.exec_driver_sql("show transaction_isolation")).scalar()
                    async with e.connect() as c:
                        c = await c.execution_options(isolation_level="SERIALIZABLE")
                        serializable = await c.get_isolation_level(), (await c.exec_driver_sql("show transaction isolation level")).scalar()
                    async with e.connect() as c:
                        again = await c.get_isolation_level()
                    await e.dispose()
                    print("asyncpg", *level, *serializable, again)
                asyncio.run(main())
                with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app", autocommit=True) as c:
                    print(repr(c.info.parameter_status("application_name")), c.execute("show application_name").fetchone()[0], sep="|")
                    c.execute("select set_config('application_name', 'app', false)")
                    print(c.info.parameter_status("application_name"))
                """,
            ], port: server.port)
        #expect(
            python.standardOutput == """
                psycopg REPEATABLE READ repeatable read SERIALIZABLE serializable read committed REPEATABLE READ
                psycopg2 REPEATABLE READ repeatable read SERIALIZABLE serializable read committed REPEATABLE READ
                asyncpg REPEATABLE READ repeatable read SERIALIZABLE serializable REPEATABLE READ
                ''|
                app

                """, "\(python)")
        let statements = [
            "begin", "set local statement_timeout = 100", "commit", "show statement_timeout",
            "begin; set time zone 'Asia/Tokyo'; rollback; show timezone",
            "begin", "savepoint a", "set work_mem = '2MB'", "rollback to savepoint a", "show work_mem", "rollback",
            "begin isolation level serializable read only", "show transaction_isolation", "show transaction_read_only",
            "commit and chain", "show transaction_isolation", "select 1",
            "set transaction isolation level read committed",
            "rollback", "release savepoint a", "begin", "rollback to savepoint a", "rollback",
            "prepare s as select 1", "begin", "discard all", "rollback", "discard all", "execute s", "begin", "vacuum",
            "rollback", "select set_config('statement_timeout', '100', false)", "show statement_timeout",
            "show ssl", "show port", "show shared_buffers", "show wal_level", "show timezone_abbreviations",
        ]
        let psql = try await Self.run(
            "psql", ["-X", "-At"] + statements.flatMap { ["-c", $0] }, port: server.port, environment: [:])
        #expect(
            psql.standardOutput + psql.standardError == """
                BEGIN
                SET
                COMMIT
                0
                BEGIN
                SET
                ROLLBACK
                UTC
                BEGIN
                SAVEPOINT
                SET
                ROLLBACK
                4MB
                ROLLBACK
                BEGIN
                serializable
                on
                COMMIT
                serializable
                1
                ROLLBACK
                BEGIN
                ROLLBACK
                PREPARE
                BEGIN
                ROLLBACK
                DISCARD ALL
                BEGIN
                ROLLBACK
                100ms
                100ms
                off
                5432
                128MB
                replica
                Default
                ERROR:  SET TRANSACTION ISOLATION LEVEL must be called before any query
                ERROR:  RELEASE SAVEPOINT can only be used in transaction blocks
                ERROR:  savepoint "a" does not exist
                ERROR:  DISCARD ALL cannot run inside a transaction block
                ERROR:  prepared statement "s" does not exist
                ERROR:  VACUUM cannot run inside a transaction block

                """, "\(psql)")
    }

    @Test func pgbenchSetupAndDriversFindPostgreSQLsAnswers() async throws {
        let script = try Self.file("app.yaml", Self.script)
        let server = try await ServeProcess(["--script", script])
        // Without -n pgbench vacuums its tables first: VACUUM answers VACUUM, not a row.
        let bench = try await Self.run("pgbench", ["-S", "-t", "5"], port: server.port, input: nil)
        #expect(
            bench.succeeded && !bench.standardError.contains("error")
                && bench.standardOutput.contains("processed: 5/5"),
            "\(bench)")
        let python = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                port = os.environ["PGPORT"]
                with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app", autocommit=True) as c:
                    try:
                        c.execute("select %s; select 2", (1,))
                    except psycopg.Error as e:
                        print(e.sqlstate, e.diag.message_primary)
                    print(c.execute("create table t (a int)").statusmessage)
                    print(c.execute("insert into t values (%s)", (1,)).statusmessage)
                """,
            ], port: server.port)
        #expect(
            python.standardOutput == """
                42601 cannot insert multiple commands into a prepared statement
                CREATE TABLE
                INSERT 0 0

                """, "\(python)")
    }

    @Test func unmatchedEmptyAnswersRowsForStatementsThatReturnThem() async throws {
        let server = try await ServeProcess(["--unmatched", "empty"])
        let outcome = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os
                import sqlalchemy as sa
                engine = sa.create_engine(f"postgresql+psycopg2://alice@127.0.0.1:{os.environ['PGPORT']}/app")
                with engine.connect() as connection:
                    for statement in ["insert into t (a) values (1) returning id", "explain select * from t",
                                      "with x as (select 1) select * from x", "values (1)"]:
                        result = connection.execute(sa.text(statement))
                        print(list(result.keys()), result.fetchall())
                """,
            ], port: server.port)
        #expect(
            outcome.standardOutput == """
                ['id'] []
                ['QUERY PLAN'] []
                [] []
                ['column1'] []

                """, "\(outcome)")
    }
}
