import Foundation
import NIOCore
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

    /// A session as `pgw decode` prints it, pasted whole: its note lines (`-- connection …`, `-- closed …`) are
    /// skipped, and its masked BackendKeyData (`key=****`) is read (serve issues its own key at login).
    static let pastedSession = """
        conversation:
          - '04:23:49.318212 #1 -- connection 127.0.0.1:35232 -> 127.0.0.1:5432'
          - '04:23:49.318707 #1 F StartupMessage 3.0 user="alice" database="app" application_name="psql"'
          - '04:23:49.323585 #1 B AuthenticationOk'
          - '04:23:49.323601 #1 B ParameterStatus name="server_version" value="15.10"'
          - '04:23:49.323610 #1 B BackendKeyData pid=4242 key=****'
          - '04:23:49.323620 #1 B ReadyForQuery I (idle)'
          - '04:23:49.323977 #1 F Query "select 1"'
          - '04:23:49.324146 #1 B RowDescription [?column? int4]'
          - '04:23:49.324150 #1 B DataRow ["1"]'
          - '04:23:49.324160 #1 B CommandComplete "SELECT 1"'
          - '04:23:49.324180 #1 B ReadyForQuery I (idle)  (0.203 ms)'
          - '04:23:49.327200 #1 F Terminate'
          - '04:23:49.327234 #1 -- closed (FIN)'
        """

    @Test func aPastedDecodedSessionIsReadWithItsNotesSkippedAndItsMaskedKeyAccepted() throws {
        let script = try MockScript(yaml: Self.pastedSession)
        #expect(script.conversation.map(\.line) == Array(3...13), "the two note lines are skipped")
        #expect(
            script.conversation[3].message.message
                == .backend(.backendKeyData(BackendKeyData(processID: 4242, secretKey: [0, 0, 0, 0]))))
        let conversation = StrictConversation(steps: script.conversation)
        #expect(conversation.steps.map(\.line) == Array(8...13), "the startup lines, the key's too, are skipped")
        // Elsewhere a masked key is still an error.
        #expect(throws: TextFormError.self) {
            try TextFormParser(direction: .backend).parse("BackendKeyData pid=4242 key=****")
        }
    }

    @Test func psqlFollowsAPastedDecodedSession() async throws {
        let path = try ServeStackTests.file("pasted.yaml", Self.pastedSession)
        let server = try await ServeProcess(["--script", path], capturingStandardError: true)
        let good = try await ServeStackTests.run("psql", ["-X", "-tA", "-c", "select 1"], port: server.port)
        #expect(good.succeeded && good.standardOutput == "1\n", "\(good)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try server.standardErrorAfterExit()
        #expect(server.process.terminationStatus == 0, "\(report)")
    }

    /// An asyncpg-like session with binary results, decoded and printed as `pgw decode` prints it (values shown by
    /// their type: `DataRow [42, true, …]`), pasted as a conversation: every message's bytes are the ones decoded,
    /// the binary values' too, and text that reads like hex (`\x41`) stays text.
    @Test func aDecodedSessionPastedSendsTheBytesThatWereDecoded() throws {
        let frontend: [FrontendMessage] = [
            .parse(Parse(query: "select $1::int4, $2, true, 0.1::float8, '2024-02-29'::date, '\\x41'::bytea, 'x'")),
            .bind(
                Bind(
                    parameterFormats: [.binary, .text],
                    parameters: [ByteBuffer(bytes: [0, 0, 0, 7]), ByteBuffer(string: "\\x41")],
                    resultFormats: [.binary])),
            .describe(.portal("")), .execute(Execute()), .sync,
        ]
        let columns: [(UInt32, [UInt8])] = [
            (23, [0, 0, 0, 42]), (25, Array("\\x41".utf8)), (16, [1]),
            (701, withUnsafeBytes(of: (0.1 as Double).bitPattern.bigEndian, Array.init)), (1082, [0, 0, 0x22, 0x79]),
            (17, [0x41]), (25, Array("caf\u{E9}".utf8)),
        ]
        let backend: [BackendMessage] = [
            .parseComplete, .bindComplete,
            .rowDescription(
                RowDescription(
                    columns: columns.enumerated().map { index, column in
                        .init(name: "c\(index)", dataTypeOID: column.0, format: .binary)
                    })),
            .dataRow(DataRow(columns: columns.map { ByteBuffer(bytes: $0.1) })),
            .commandComplete(CommandComplete(tag: "SELECT 1")), .readyForQuery(.idle),
        ]
        // The session after login, as a capture that starts there shows it.
        var decoder = SessionDecoder()
        decoder.resume(.frontend, atStreamOffset: 0)
        decoder.resume(.backend, atStreamOffset: 0)
        for message in frontend {
            var bytes = ByteBuffer()
            WireMessage.frontend(message).encode(into: &bytes)
            decoder.append(bytes, from: .frontend)
        }
        for message in backend {
            var bytes = ByteBuffer()
            WireMessage.backend(message).encode(into: &bytes)
            decoder.append(bytes, from: .backend)
        }
        decoder.finish()
        var decoded: [DecodedMessage] = []
        while let event = decoder.nextEvent() {
            guard case .message(let message) = event else {
                Issue.record("\(event)")
                break
            }
            decoded.append(message)
        }
        let lines = decoded.map { $0.formatted(as: .text) }
        #expect(lines.contains(#"B DataRow [42, "\x5cx41", true, 0.1, "2024-02-29", "\\x41", "café"]"#), "\(lines)")
        let yaml =
            "conversation:\n"
            + lines.map { "  - '" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(
                separator: "\n")
        let script = try MockScript(yaml: yaml)
        #expect(script.conversation.count == decoded.count)
        for (step, message) in zip(script.conversation, decoded) {
            #expect(step.message.bytes == message.bytes, "\(step.text)")
        }
    }

    /// A Bind's typed binary values are read by the types of its statement's Parse (`[int4]`, psycopg's `[int2,
    /// unspecified]`) or of a ParameterDescription, as `pgw decode` and `pgw repl` read them.
    @Test func aBindsBinaryValuesAreReadByTheTypesOfItsStatementsParse() throws {
        let script = try MockScript(
            yaml: #"""
                conversation:
                  - F Parse name="s2" "select $1::int8"
                  - F Describe statement "s2"
                  - F Sync
                  - B ParseComplete
                  - B ParameterDescription [int8]
                  - B NoData
                  - B ReadyForQuery I
                  - F Parse name="s1" "select $1::int" [int4]
                  - F Bind portal="" statement="s1" parameters=[41] formats=["binary"] results=["text"]
                  - F Parse name="" "select $1::int + 1, $2::text" [int2, unspecified]
                  - F Bind portal="" statement="" parameters=[41, "hi"] formats=["binary", "text"] results=["text"]
                  - F Bind portal="" statement="s2" parameters=[7] formats=["binary"] results=["text"]
                """#)
        let binds = script.conversation.compactMap { step -> Bind? in
            if case .frontend(.bind(let bind))? = step.message.message { return bind }
            return nil
        }
        #expect(
            binds.map { $0.parameters.first??.readableBytesView.map { $0 } } == [
                [0, 0, 0, 41], [0, 41], [0, 0, 0, 0, 0, 0, 0, 7],
            ])
        #expect(binds.count == 3 && binds[1].parameters.last == ByteBuffer(string: "hi"))
    }
}
