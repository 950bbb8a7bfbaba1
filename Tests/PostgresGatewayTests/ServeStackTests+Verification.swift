import Foundation
import PostgresTestSupport
import Testing

/// What `--verify` counts and what an unmatched statement's error says, with psql and psycopg (PostgreSQL 15.18
/// answered the same session plumbing alike): a statement that does not parse counts (connection-time catalog
/// queries and constant SELECTs do not), a rule used up or waiting for another says why, SET CONSTRAINTS is
/// plumbing, a long statement is whole in DETAIL, and the echo row has the statement's own tag.
extension ServeStackTests {
    /// A script whose second rule is used up after one answer and whose third waits for the rule named `login`.
    static let verificationScript = """
        unmatched: error
        rules:
          - match: "select name from users where id = 1"
            columns: [{name: name, type: text}]
            rows: [["alice"]]
            times: 1
          - name: login
            match: "select id from users where name = 'a'"
            columns: [{name: id, type: int4}]
            rows: [[1]]
          - match: "select balance from accounts where user_id = 1"
            after: login
            columns: [{name: balance, type: numeric}]
            rows: [["10.00"]]
        """

    @Test func verifyCountsSyntaxErrorsAndSaysWhyAMatchingRuleDidNotAnswer() async throws {
        let script = try Self.file("verify.yaml", Self.verificationScript)
        let server = try await ServeProcess(["--script", script, "--verify"], capturingStandardError: true)
        let plumbing = try await Self.run(
            "psql",
            [
                "-X", "-At", "-c", "selec id from users", "-c", "select relname from pg_class where relname = 'users'",
                "-c", "select set_config('app.tenant', '42', false)", "-c", "select 1", "-c",
                "set constraints all deferred", "-c", "begin", "-c", "set constraints all immediate", "-c", "commit",
            ], port: server.port)
        #expect(plumbing.standardOutput == "42\n1\nSET CONSTRAINTS\nBEGIN\nSET CONSTRAINTS\nCOMMIT\n", "\(plumbing)")
        #expect(
            plumbing.standardError == """
                ERROR:  syntax error at or near "selec"
                LINE 1: selec id from users
                        ^
                WARNING:  SET CONSTRAINTS can only be used in transaction blocks

                """, "\(plumbing)")
        let psycopg = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                c = psycopg.connect(
                    host="127.0.0.1", port=os.environ["PGPORT"], user="alice", dbname="app", autocommit=True)
                try:
                    c.execute("delete form users where id = %s", [1])
                except psycopg.Error as e:
                    print(e.sqlstate, e)
                """,
            ], port: server.port)
        #expect(psycopg.standardOutput.hasPrefix("42601 syntax error at or near \"form\""), "\(psycopg)")
        let rules = try await Self.run(
            "psql",
            [
                "-X", "-At", "-c", "select name from users where id = 1", "-c", "select name from users where id = 1",
                "-c", "select balance from accounts where user_id = 1", "-c", "select id from users where name = 'a'",
                "-c", "select balance from accounts where user_id = 1",
            ], port: server.port)
        #expect(rules.standardOutput == "alice\n1\n10.00\n", "\(rules)")
        #expect(
            rules.standardError == """
                ERROR:  pgw: no rule answers this statement
                DETAIL:  select name from users where id = 1
                HINT:  Rule at line 3 already answered 1 time, times: 1.
                ERROR:  pgw: no rule answers this statement
                DETAIL:  select balance from accounts where user_id = 1
                HINT:  Rule at line 11 waits for rule 'login'.

                """, "\(rules)")
        // A long statement is whole in the DETAIL (PostgreSQL's error fields hold far more than 200 characters).
        let wide = "select " + (0..<60).map { "col\($0)" }.joined(separator: ", ") + " from wide_table where id = 1"
        let long = try await Self.run("psql", ["-X", "-At", "-c", wide], port: server.port)
        #expect(long.standardError.contains("DETAIL:  \(wide)\n"), "\(long)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try server.standardErrorAfterExit()
        #expect(server.process.terminationStatus == 1, "\(report)")
        #expect(
            report.contains(
                """
                pgw serve --verify: the session did not go as the script says
                  unmatched statement: selec id from users (42601 syntax error at or near "selec")
                  unmatched statement: delete form users where id = $1 (42601 syntax error at or near "form")
                  unmatched statement: select name from users where id = 1 (rule at line 3 already answered 1 time, \
                times: 1)
                  unmatched statement: select balance from accounts where user_id = 1 (rule at line 11 waits for rule \
                'login')
                  unmatched statement: \(wide)

                """), "\(report)")
    }

    /// `--unmatched echo` completes the echo row of an INSERT, UPDATE or DELETE … RETURNING with its own tag, which
    /// psql prints and psycopg reads its row count from (as from PostgreSQL: INSERT 0 1, UPDATE 1).
    @Test func echoedReturningStatementsHaveTheirOwnTag() async throws {
        let server = try await ServeProcess([])
        let psql = try await Self.run(
            "psql", ["-X", "-c", "insert into users(name) values ('x') returning id"], port: server.port)
        #expect(psql.succeeded && psql.standardOutput.hasSuffix("(1 row)\n\nINSERT 0 1\n"), "\(psql)")
        let psycopg = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg
                c = psycopg.connect(
                    host="127.0.0.1", port=os.environ["PGPORT"], user="alice", dbname="app", autocommit=True)
                for verb in ["update users set name = %s", "delete from users where name = %s"]:
                    cursor = c.execute(verb + " returning id", ["y"])
                    print(cursor.statusmessage, cursor.rowcount)
                """,
            ], port: server.port)
        #expect(psycopg.standardOutput == "UPDATE 1 1\nDELETE 1 1\n", "\(psycopg)")
    }
}
