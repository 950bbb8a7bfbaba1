import Foundation
import PostgresTestSupport
import PostgresWire
import Testing

@testable import PostgresGateway

/// Strict conversation scripts: read (errors: MockScriptTests; lines may keep a decoded capture's time and connection
/// number), played to psql, deviations reported precisely (FATAL 08P01 to the client, exit status 1 and the list at
/// shutdown).
@Suite(.timeLimit(.minutes(3)))
struct ServeConversationTests {
    static let script = """
        conversation:
          - F StartupMessage 3.0 user="alice" database="app" application_name="psql"
          - B AuthenticationOk
          - B ReadyForQuery I (idle)
          - B ParameterStatus name="greeting" value="hello"
          - F Query "select 1"
          - '00:40:39.817012 #1 B RowDescription [?column? int4]'
          - '00:40:39.817012 #1 B DataRow ["1"]'
          - B CommandComplete "SELECT 1"
          - B ReadyForQuery I (idle)
          - F Terminate
        """

    @Test func conversationsAreReadWithStartupLinesSkipped() throws {
        let script = try MockScript(yaml: Self.script)
        let conversation = StrictConversation(steps: script.conversation)
        #expect(conversation.steps.map(\.line) == [5, 6, 7, 8, 9, 10, 11])
        #expect(conversation.steps[1].message.message == .frontend(.query(Query("select 1"))))
        #expect(conversation.steps[2].text == "B RowDescription [?column? int4]", "a pasted prefix is not repeated")
        #expect(
            conversation.steps.map(\.sender) == [.backend, .frontend] + Array(repeating: .backend, count: 4) + [
                .frontend
            ])
    }

    @Test func psqlFollowsTheConversationAndADeviationIsReportedPrecisely() async throws {
        let path = try ServeStackTests.file("conversation.yaml", Self.script)
        let server = try await ServeProcess(["--script", path], capturingStandardError: true)
        let good = try await ServeStackTests.run("psql", ["-X", "-tA", "-c", "select 1"], port: server.port)
        #expect(good.succeeded && good.standardOutput == "1\n", "\(good)")
        let bad = try await ServeStackTests.run("psql", ["-X", "-tA", "-c", "select 2"], port: server.port)
        #expect(bad.status == 2, "\(bad)")
        #expect(
            bad.standardError.contains(
                "FATAL:  pgw: strict conversation: line 6: expected F Query \"select 1\", got F Query \"select 2\""),
            "\(bad)")
        // A third client that leaves before its query.
        let early = try await ServeStackTests.run("psql", ["-X", "-tA"], port: server.port, input: "")
        #expect(early.succeeded, "\(early)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        #expect(server.process.terminationStatus == 1)
        let report = try server.standardErrorAfterExit()
        #expect(
            report.hasSuffix(
                """
                pgw serve: the session did not follow the script's conversation
                  connection 2: line 6: expected F Query "select 1", got F Query "select 2"
                  connection 3: the conversation stopped before line 6: F Query "select 1"

                """), "\(report)")
    }
}
