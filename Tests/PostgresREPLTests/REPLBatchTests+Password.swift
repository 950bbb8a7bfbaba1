import Foundation
import PostgresTestSupport
import Testing

/// psql's password prompt: `pgw repl` on a terminal asks for the password the server wants and nothing gave, reads it
/// without echo and connects again; `-W` asks before connecting, `-w` and a standard input that is not a terminal
/// never ask.
extension REPLBatchTests {
    /// Runs `pgw repl` with `arguments` on a pseudo-terminal (``REPLTerminalDriver``) taking `steps`, logging in to
    /// the suite's server as `repl_scram` (SCRAM) with an empty home directory and no `PG*` variables.
    private static func onTerminal(_ arguments: [String], steps: [String]) async throws -> ProcessOutcome {
        let server = try PostgresServerTrait.server()
        return try await withEmptyHome { _, environment in
            try await SubprocessCommand(
                URL(fileURLWithPath: "/usr/bin/python3"),
                [
                    "-c", REPLTerminalDriver.script, try PGWExecutable.url().path, "-h", "127.0.0.1", "-p",
                    "\(server.port)", "-U", "repl_scram", "-d", "postgres",
                ] + arguments + ["--"] + steps,
                environment: environment, timeout: .seconds(60)
            ).run()
        }
    }

    /// The steps that type the password at `prompt`, then run `select current_user` and leave.
    private static func typePassword(at prompt: String) -> [String] {
        [
            "--expect=\(prompt)", #"scram-Secret\r"#, "--expect=pgw> ", #"Query \"select current_user\"\r"#,
            "--expect=B ReadyForQuery", #"\x04"#,
        ]
    }

    @Test func asksForTheMissingPasswordOnATerminal() async throws {
        let outcome = try await Self.onTerminal([], steps: Self.typePassword(at: "Password for user repl_scram: "))
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardOutput.contains("Password for user repl_scram: \r\n"), "\(outcome)")
        #expect(!outcome.standardOutput.contains("scram-Secret"), "the password was echoed: \(outcome)")
        #expect(!outcome.standardOutput.contains("no password supplied"), "\(outcome)")
        #expect(outcome.standardOutput.contains("authentication scram-sha-256"), "\(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["repl_scram"]"#), "\(outcome)")
    }

    @Test func forcedPromptAsksBeforeConnecting() async throws {
        let outcome = try await Self.onTerminal(["-W"], steps: Self.typePassword(at: "Password: "))
        #expect(outcome.status == 0, "\(outcome)")
        #expect(!outcome.standardOutput.contains("Password for user"), "asked twice: \(outcome)")
        #expect(!outcome.standardOutput.contains("scram-Secret"), "the password was echoed: \(outcome)")
        #expect(outcome.standardOutput.contains(#"B DataRow ["repl_scram"]"#), "\(outcome)")
    }

    @Test func neverAsksWithNoPasswordOrWithoutATerminal() async throws {
        let refused = try await Self.onTerminal(["-w"], steps: [])
        #expect(refused.status == 1, "\(refused)")
        #expect(!refused.standardOutput.contains("Password"), "\(refused)")
        #expect(
            refused.standardOutput.contains(
                "pgw: cannot connect: connection to server at \"127.0.0.1\", port "),
            "\(refused)")
        #expect(refused.standardOutput.contains("failed: fe_sendauth: no password supplied"), "\(refused)")
        let script = try await Self.run(#"Query "select 1""#, user: "repl_scram")
        #expect(script.status == 1, "\(script)")
        #expect(script.standardError.contains("fe_sendauth: no password supplied"), "\(script)")
        #expect(!script.standardError.contains("Password"), "\(script)")
    }
}
