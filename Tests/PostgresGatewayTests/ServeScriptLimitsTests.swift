import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve` with scripts that would exhaust its stack or its event loop: a SIGHUP reload of a script nested
/// thousands deep keeps the old rules (the server lives on), and a rule's regular expression that backtracks without
/// end fails that statement at its time limit while other clients are served and SIGTERM stops the server.
@Suite(.timeLimit(.minutes(3)))
struct ServeScriptLimitsTests {
    @Test func sighupOfADeeplyNestedScriptKeepsTheOldRules() async throws {
        let path = try ServeStackTests.file("app.yaml", ServeReloadTests.rules(answer: 1))
        let server = try await ServeProcess(["--script", path, "--log-level", "info"], capturingStandardError: true)
        #expect(try await ServeReloadTests.answer(port: server.port) == "1")
        let deep =
            "rules:\n  - match: \"select answer()\"\n    rows: " + String(repeating: "[", count: 5_000)
            + String(repeating: "]", count: 5_000) + "\n"
        try deep.write(toFile: path, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(server.process.isRunning, "the reload must not kill the server")
        #expect(try await ServeReloadTests.answer(port: server.port) == "1", "the old rules stay")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let log = try server.standardErrorAfterExit()
        #expect(
            log.contains(
                "received SIGHUP: kept the old script: \(path):3:108: lists and mappings nest more than 100 deep"),
            "\(log)")
        #expect(server.process.terminationStatus == 0, "\(log)")
    }

    @Test func aScriptNestedTooDeepIsRefusedAtStart() async throws {
        let path = try ServeStackTests.file("deep.yaml", String(repeating: "- ", count: 50_000) + "x\n")
        let outcome = try await PGWExecutable.run(["serve", "--port", "0", "--script", path])
        #expect(outcome.status == 1 && !outcome.terminatedBySignal, "\(outcome)")
        #expect(
            outcome.standardError.contains("\(path):1:201: lists and mappings nest more than 100 deep"), "\(outcome)")
    }

    @Test func aBacktrackingRegexFailsItsStatementAndTheServerGoesOn() async throws {
        let script = """
            rules:
              - name: slow
                match: {regex: "^select (a+)+$"}
                tag: "SELECT 1"
              - match: "select answer()"
                columns: [{name: answer, type: int4}]
                rows: [[42]]
            """
        let path = try ServeStackTests.file("redos.yaml", script)
        let server = try await ServeProcess(["--script", path, "--threads", "1"], capturingStandardError: true)
        let started = ContinuousClock.now
        let slow = try await ServeStackTests.run(
            "psql", ["-X", "-c", "select " + String(repeating: "a", count: 40) + "b"], port: server.port)
        #expect(ContinuousClock.now - started < .seconds(20), "\(slow)")
        #expect(
            slow.standardError.contains(
                "ERROR:  the regular expression of rule 'slow' (line 2) took more than 100 ms to match this statement"),
            "\(slow)")
        #expect(slow.standardError.contains("HINT:  A pattern with nested repetition"), "\(slow)")
        #expect(try await ServeReloadTests.answer(port: server.port) == "42")
        server.send(SIGTERM)
        #expect(try await server.waitForExit(seconds: 30), "SIGTERM stops the server")
    }
}
