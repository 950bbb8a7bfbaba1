import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve --script FILE` reloads the script's rules (or its strict conversation) on SIGHUP; a script that no
/// longer reads is logged and the old rules stay.
@Suite(.timeLimit(.minutes(3)))
struct ServeReloadTests {
    static func rules(answer: Int) -> String {
        "rules:\n  - match: \"select answer()\"\n    columns: [{name: answer, type: int4}]\n    rows: [[\(answer)]]\n"
    }

    /// The server's answer to `select answer()`.
    static func answer(port: Int) async throws -> String {
        let outcome = try await ServeStackTests.run("psql", ["-X", "-tA", "-c", "select answer()"], port: port)
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func sighupReloadsTheRulesAndKeepsThemWhenTheNewScriptIsBroken() async throws {
        let path = try ServeStackTests.file("app.yaml", Self.rules(answer: 1))
        let server = try await ServeProcess(
            ["--script", path, "--log-level", "info"], capturingStandardError: true)
        #expect(try await Self.answer(port: server.port) == "1")
        try Self.rules(answer: 2).write(toFile: path, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        var answer = ""
        for _ in 0..<150 {
            answer = try await Self.answer(port: server.port)
            if answer == "2" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answer == "2", "the new rule answers after SIGHUP")
        try "rules:\n  - match: \"selec answer()\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(try await Self.answer(port: server.port) == "2", "the old rules stay")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let log = try server.standardErrorAfterExit()
        #expect(log.contains("received SIGHUP: reloaded the script's rules"), "\(log)")
        #expect(
            log.contains("received SIGHUP: kept the old script: \(path):2:12: 'selec answer()' is not a statement"),
            "\(log)")
        #expect(server.process.terminationStatus == 0)
    }

    @Test func sighupReloadsAStrictConversationForConnectionsLoggingInAfterwards() async throws {
        func conversation(answer: Int) -> String {
            ServeConversationTests.script.replacingOccurrences(of: "DataRow [\"1\"]", with: "DataRow [\"\(answer)\"]")
        }
        let path = try ServeStackTests.file("conversation.yaml", conversation(answer: 1))
        let server = try await ServeProcess(["--script", path, "--log-level", "info"], capturingStandardError: true)
        let select = ["-X", "-tA", "-c", "select 1"]
        #expect(try await ServeStackTests.run("psql", select, port: server.port).standardOutput == "1\n")
        try conversation(answer: 2).write(toFile: path, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        var answer = ""
        for _ in 0..<150 {
            answer = try await ServeStackTests.run("psql", select, port: server.port).standardOutput
            if answer == "2\n" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answer == "2\n", "the new conversation answers after SIGHUP")
        // A script with rules instead cannot replace a conversation: logged, the conversation stays.
        try Self.rules(answer: 3).write(toFile: path, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(try await ServeStackTests.run("psql", select, port: server.port).standardOutput == "2\n")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let log = try server.standardErrorAfterExit()
        #expect(log.contains("received SIGHUP: reloaded the conversation for new connections"), "\(log)")
        #expect(log.contains("kept the old script: the script has no conversation now"), "\(log)")
        #expect(server.process.terminationStatus == 0, "\(log)")
    }
}
