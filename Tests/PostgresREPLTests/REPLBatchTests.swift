import Foundation
import PostgresTestSupport
import Testing

/// `pgw repl` scripts against a real PostgreSQL 15: the lines a person would type, run unattended.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "repl",
            hostBasedAuthentication: ["host all repl_scram 127.0.0.1/32 scram-sha-256"],
            roles: [.init(name: "repl_scram", password: "scram-Secret", passwordEncryption: "scram-sha-256")]
        )),
    .timeLimit(.minutes(2))
)
struct REPLBatchTests {
    /// Runs `body` with a new empty home directory (no ~/.pgpass, no history) and an environment that uses it and
    /// has no `PG*` variables; removes the directory afterwards.
    static func withEmptyHome<Result>(_ body: (URL, [String: String]) async throws -> Result) async throws -> Result {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-repl-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["HOME"] = home.path
        return try await body(home, environment)
    }

    /// Runs `pgw repl` with `script` on standard input, connected as `user`.
    static func run(
        _ script: String, user: String = PostgresServerFixture.superuser, password: String? = nil,
        arguments: [String] = [], timeout: Duration = .seconds(30)
    ) async throws -> ProcessOutcome {
        let server = try PostgresServerTrait.server()
        return try await withEmptyHome { _, environment in
            var environment = environment
            environment["PGPASSWORD"] = password
            return try await SubprocessCommand(
                try PGWExecutable.url(),
                ["repl", "host=127.0.0.1 port=\(server.port) user=\(user) dbname=postgres", "--timeout", "5"]
                    + arguments,
                environment: environment, standardInput: Data(script.utf8), timeout: timeout
            ).run()
        }
    }

    @Test func extendedQueryExchange() async throws {
        let outcome = try await Self.run(
            #"""
            Parse name="s1" "select $1::int + 1 as answer, $2::text as label" [int4, text]
            Describe statement "s1"
            Bind statement="s1" parameters=["41", NULL] results=["text"]
            Execute maxRows=1
            Sync
            \expect ParseComplete
            \expect ParameterDescription parameterTypes=[int4, text]
            \expect RowDescription
            \expect BindComplete
            \expect DataRow columns=["42", NULL]
            \expect PortalSuspended
            \expect ReadyForQuery status=I
            Close statement "s1"
            Sync
            \expect CloseComplete
            \expect ReadyForQuery
            """#)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B RowDescription [answer int4, label text]"#), "\(outcome)")
    }

    @Test func pipelinedErrorDiscardsUntilSync() async throws {
        let outcome = try await Self.run(
            #"""
            \set autosend off
            Parse "select 1/(a - 1) from generate_series(1, 2) a"
            Bind
            Execute
            Parse name="never" "select 1"
            Bind statement="never"
            Execute
            Sync
            \send
            \expect ParseComplete
            \expect BindComplete
            \expect ErrorResponse code=22012 message="division by zero"
            \expect ReadyForQuery status=I
            \set autosend on
            Query "select count(*) from pg_prepared_statements where name = 'never'"
            \expect RowDescription
            \expect DataRow columns=["0"]
            """#)
        #expect(outcome.status == 0, "\(outcome)")
    }

    @Test func copyFromStdinByHand() async throws {
        let outcome = try await Self.run(
            #"""
            Query "create temporary table t (a int, b text)"
            \expect CommandComplete tag="CREATE TABLE"
            \expect ReadyForQuery
            Query "copy t from stdin"
            \expect CopyInResponse format=text columnFormats=[text, text]
            CopyData "1\tone\n"
            CopyData "2\ttwo\n"
            CopyDone
            \expect CommandComplete tag="COPY 2"
            \expect ReadyForQuery status=I
            Query "select b from t order by a"
            \expect RowDescription
            \expect DataRow columns=["one"]
            \expect DataRow columns=["two"]
            \expect CommandComplete tag="SELECT 2"
            """#)
        #expect(outcome.status == 0, "\(outcome)")
    }

    @Test func scramLogin() async throws {
        let outcome = try await Self.run(
            #"""
            Query "select current_user"
            \expect RowDescription
            \expect DataRow columns=["repl_scram"]
            """#, user: "repl_scram", password: "scram-Secret")
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains("authentication scram-sha-256"), "\(outcome)")
        let wrong = try await Self.run(#"Query "select 1""#, user: "repl_scram", password: "wrong")
        #expect(wrong.status == 1, "\(wrong)")
        #expect(wrong.standardError.contains("password authentication failed"), "\(wrong)")
    }

    /// `\cancel` stops a running `pg_sleep`. It is sent again twice, two seconds apart: PostgreSQL ignores a cancel that
    /// arrives before it runs the query, which a loaded machine makes possible; one sent after the query ended is
    /// ignored too.
    @Test func cancelStopsPgSleep() async throws {
        let start = ContinuousClock.now
        let outcome = try await Self.run(
            #"""
            Query "select pg_sleep(20)"
            \wait 300
            \cancel
            \wait 2000
            \cancel
            \wait 2000
            \cancel
            \wait
            """#)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains("B ErrorResponse ERROR 57014 canceling statement due to user request"))
        #expect(ContinuousClock.now - start < .seconds(10), "pg_sleep(20) was not cancelled")
    }

    @Test func failedExpectationNamesTheLineAndWhatArrived() async throws {
        let outcome = try await Self.run(
            #"""
            # a comment
            Query "select 1"
            \expect CommandComplete
            """#)
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "pgw: standard input:3: expected CommandComplete; received B RowDescription [?column? int4] (the type differs)"
            ),
            "\(outcome)")
    }

    @Test func deliberatelyWrongBindGetsTheServersError() async throws {
        let outcome = try await Self.run(
            #"""
            Parse name="two" "select $1::int, $2::int"
            Bind statement="two" parameters=["1", "2"] count=3
            Sync
            \expect ParseComplete
            \expect ErrorResponse code=08P01
            """#)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains("(altered: parameter count 3 (correct: 2))"), "\(outcome)")
    }

    @Test func typingErrorStopsTheScriptWithACaret() async throws {
        let outcome = try await Self.run("Execute maxRows=ten\n")
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "pgw: standard input:1:\nExecute maxRows=ten\n                ^ expected maxRows"), "\(outcome)")
    }

    /// The interactive path on a pseudo-terminal: Tab completes a message name, replies print above the prompt,
    /// Ctrl-C empties the line, keys typed one by one are edited as they come, Ctrl-D leaves once the reply still owed
    /// has arrived (the last query sleeps past the Ctrl-D), and the lines are kept in ~/.pgw_history.
    @Test func interactiveTerminal() async throws {
        let server = try PostgresServerTrait.server()
        try await Self.withEmptyHome { home, environment in
            try await Self.expectInteractiveSession(port: server.port, home: home, environment: environment)
        }
    }

    /// Types into `pgw repl` on a pseudo-terminal (``REPLTerminalDriver``) and checks what the terminal showed and
    /// the history file left in `home`.
    private static func expectInteractiveSession(port: Int, home: URL, environment: [String: String]) async throws {
        let outcome = try await SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [
                "-c", REPLTerminalDriver.script, try PGWExecutable.url().path,
                "host=127.0.0.1 port=\(port) user=\(PostgresServerFixture.superuser) dbname=postgres", "--",
                "--expect=pgw> ", #"Que\t \"select 42\"\r"#, #"Sync garbage"#, #"\x03"#, #"\\expect RowDescription\r"#,
                "Que",
                #"\t"#, #"\"select 7 from pg_sleep(1)\"\r"#, #"\x04"#,
            ],
            environment: environment, timeout: .seconds(30)
        ).run()
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains(#"F Query "select 42""#), "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["42"]"#), "\(outcome)")
        #expect(outcome.standardOutput.contains("pgw> \r\u{1B}[K"), "replies should print above the prompt")
        #expect(outcome.standardOutput.contains("^C"), "\(outcome)")
        #expect(!outcome.standardOutput.contains("garbage\\expect"), "Ctrl-C should empty the line: \(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["7"]"#), "\(outcome)")
        let history = try String(contentsOf: home.appendingPathComponent(".pgw_history"), encoding: .utf8)
        #expect(history.contains(#"\134expect\040RowDescription"#), "\(history)")
        #expect(history.contains(#"Query\040"select\0407\040from\040pg_sleep(1)""#), "\(history)")
    }

    /// On a pseudo-terminal: a line ending inside a quoted string continues after the `pgw"> ` prompt (the line
    /// break is part of the string), and Tab after a message name completes a field name without a space after it.
    @Test func interactiveContinuationAndFieldCompletion() async throws {
        let server = try PostgresServerTrait.server()
        let outcome = try await Self.withEmptyHome { _, environment in
            try await SubprocessCommand(
                URL(fileURLWithPath: "/usr/bin/python3"),
                [
                    "-c", REPLTerminalDriver.script, try PGWExecutable.url().path,
                    "host=127.0.0.1 port=\(server.port) user=\(PostgresServerFixture.superuser) dbname=postgres",
                    "--", "--expect=pgw> ", #"Parse "select 'a\r"#, #"b' as x"\r"#, #"Bind\r"#, "Execute ma", #"\t"#,
                    #"5\r"#, #"Sync\r"#,
                    #"\x04"#,
                ],
                environment: environment, timeout: .seconds(30)
            ).run()
        }
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains(#"pgw"> "#), "\(outcome)")
        #expect(outcome.standardOutput.contains(#"F Parse name="" "select 'a\nb' as x""#), "\(outcome)")
        #expect(outcome.standardOutput.contains(#"F Execute portal="" maxRows=5"#), "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["a\nb"]"#), "\(outcome)")
    }

    /// `--raw` against PostgreSQL: SSLRequest refused (`N`), then the StartupMessage typed by hand logs in.
    @Test func rawStartupAfterRefusedSSLRequest() async throws {
        let outcome = try await Self.run(
            #"""
            SSLRequest
            \expect SSLResponse accepted=false
            StartupMessage user="postgres" database="postgres"
            \expect AuthenticationOk
            \wait
            Query "select 2"
            \wait
            """#, arguments: ["--raw"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["2"]"#), "\(outcome)")
    }
}
