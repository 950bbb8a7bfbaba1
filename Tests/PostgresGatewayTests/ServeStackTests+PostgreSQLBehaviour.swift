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
