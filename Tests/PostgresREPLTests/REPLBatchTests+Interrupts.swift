import Foundation
import PostgresTestSupport
import Testing

/// Ctrl-C as psql handles it: before the session starts (connecting, at the password prompt) it ends pgw; in a
/// script it cancels the running statement, then the script stops.
extension REPLBatchTests {
    /// Runs `pgw repl` with `arguments` on a pseudo-terminal taking `steps`, started with SIGINT ignored (as by a
    /// shell's background job), so only pgw's own handling can react to Ctrl-C.
    private static func onTerminal(_ arguments: [String], steps: [String]) async throws -> ProcessOutcome {
        try await withEmptyHome { _, environment in
            var environment = environment
            environment["PGW_TEST_IGNORE_SIGINT"] = "1"
            return try await SubprocessCommand(
                URL(fileURLWithPath: "/usr/bin/python3"),
                ["-c", REPLTerminalDriver.script, try PGWExecutable.url().path] + arguments + ["--"] + steps,
                environment: environment, timeout: .seconds(60)
            ).run()
        }
    }

    /// Ctrl-C is pressed once pgw says (at debug level) that it is connecting: its handler is in place by then, so a
    /// loaded machine that starts pgw slowly cannot swallow the Ctrl-C.
    @Test func ctrlCWhileConnectingEndsPGW() async throws {
        let listener = try StallingListener()
        let start = ContinuousClock.now
        let outcome = try await Self.onTerminal(
            ["host=127.0.0.1 port=\(listener.port) user=x", "--log-level", "debug"],
            steps: ["--expect=connecting", "--sleep=0.3", #"\x03"#])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.standardOutput.contains("pgw: cancelled"), "\(outcome)")
        #expect(ContinuousClock.now - start < .seconds(15), "\(outcome)")
        withExtendedLifetime(listener) {}
    }

    @Test func ctrlCAtThePasswordPromptEndsPGW() async throws {
        let server = try PostgresServerTrait.server()
        let outcome = try await Self.onTerminal(
            ["-h", "127.0.0.1", "-p", "\(server.port)", "-U", "repl_scram", "-d", "postgres", "-W"],
            steps: ["--expect=Password: ", "--sleep=0.3", #"\x03"#])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.standardOutput.contains("pgw: cancelled"), "\(outcome)")
        #expect(!outcome.standardOutput.contains("authentication"), "\(outcome)")
    }

    /// `-f` on a terminal: the first Ctrl-C sends a CancelRequest, the statement fails with 57014 (shown), and the
    /// script stops with status 1.
    @Test func ctrlCInAScriptCancelsTheStatement() async throws {
        let server = try PostgresServerTrait.server()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgw-repl-int-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("sleep.pgw")
        try Data("Query \"select pg_sleep(30)\"\n\\wait\nQuery \"select 'never'\"\n".utf8).write(to: script)
        let start = ContinuousClock.now
        let outcome = try await Self.onTerminal(
            [
                "host=127.0.0.1 port=\(server.port) user=\(PostgresServerFixture.superuser) dbname=postgres", "-f",
                script.path, "--timeout", "40",
            ],
            steps: ["--expect=F Query", "--sleep=1", #"\x03"#, "--expect=pgw: "])
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.standardOutput.contains("-- cancel request sent"), "\(outcome)")
        #expect(outcome.standardOutput.contains("B ErrorResponse ERROR 57014"), "\(outcome)")
        #expect(outcome.standardOutput.contains("sleep.pgw:2: interrupted (Ctrl-C)"), "\(outcome)")
        #expect(!outcome.standardOutput.contains("never"), "\(outcome)")
        #expect(ContinuousClock.now - start < .seconds(20), "\(outcome)")
    }
}
