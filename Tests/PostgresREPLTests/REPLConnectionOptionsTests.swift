import Foundation
import PostgresTestSupport
import Testing

/// `pgw repl` takes psql's `-h`, `-p`, `-U` and `-d` and the `PG*` variables; keywords of a connection string win
/// over the options, as in psql.
@Suite(
    .postgresServer(PostgresServerFixture.Configuration(label: "repl-options")),
    .timeLimit(.minutes(2))
)
struct REPLConnectionOptionsTests {
    /// Runs `pgw repl` with `arguments` and extra `variables`, asking for the session's user and database.
    private static func whoAmI(_ arguments: [String], variables: [String: String] = [:]) async throws
        -> ProcessOutcome
    {
        try await REPLBatchTests.withEmptyHome { _, environment in
            try await SubprocessCommand(
                try PGWExecutable.url(), ["repl", "--timeout", "5"] + arguments,
                environment: environment.merging(variables) { _, variable in variable },
                standardInput: Data(
                    #"""
                    Query "select current_user || '@' || current_database()"
                    \expect RowDescription
                    \expect DataRow
                    \expect CommandComplete
                    """#.utf8),
                timeout: .seconds(30)
            ).run()
        }
    }

    @Test func psqlOptionsAndVariables() async throws {
        let server = try PostgresServerTrait.server()
        let user = PostgresServerFixture.superuser
        let options = try await Self.whoAmI(["-h", "127.0.0.1", "-p", "\(server.port)", "-U", user, "-d", "template1"])
        #expect(options.status == 0 && options.standardOutput.contains(#"["\#(user)@template1"]"#), "\(options)")

        let variables = try await Self.whoAmI(
            ["-d", "postgres"], variables: ["PGHOST": "127.0.0.1", "PGPORT": "\(server.port)", "PGUSER": user])
        #expect(variables.status == 0 && variables.standardOutput.contains(#"["\#(user)@postgres"]"#), "\(variables)")

        let conninfoWins = try await Self.whoAmI(
            ["host=127.0.0.1 port=\(server.port) dbname=template1", "-U", user, "-d", "postgres"])
        #expect(
            conninfoWins.status == 0 && conninfoWins.standardOutput.contains(#"["\#(user)@template1"]"#),
            "\(conninfoWins)")

        let dbnameConninfo = try await Self.whoAmI(["-d", "postgresql://\(user)@127.0.0.1:\(server.port)/postgres"])
        #expect(
            dbnameConninfo.status == 0 && dbnameConninfo.standardOutput.contains(#"["\#(user)@postgres"]"#),
            "\(dbnameConninfo)")

        let badPort = try await Self.whoAmI(["-p", "70000"])
        #expect(badPort.status == 64 && badPort.standardError.contains("65535"), "\(badPort)")
    }
}
