import Foundation
import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

extension RealClientCaptureTests {
    /// Sends `request` on a raw TCP connection to `port` and returns everything the server sent until it closed.
    private static let rawExchangeProgram = """
        import socket, sys
        connection = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
        connection.sendall(bytes.fromhex(sys.argv[2]))
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
        print(reply.hex())
        """

    @Test("protocol 0.1234: PostgreSQL's pre-3.0 error, byte for byte, decoded on both sides by pgw decode")
    func unsupportedProtocolVersion() async throws {
        let server = try PostgresServerTrait.server()
        let version = ProtocolVersion(major: 0, minor: 1234)
        let startup = FrontendMessage.startup(
            StartupMessage(protocolVersion: version, parameters: [.init("user", PostgresServerFixture.superuser)]))
        var request = ByteBuffer()
        startup.encode(into: &request)
        let python = try PostgresInstallation.executableOnPath("python3")
        var replyHex = ""
        let captures = try await CaptureSession.record(server: server) { session in
            replyHex = try await SubprocessCommand(
                python, ["-c", Self.rawExchangeProgram, String(session.relayPort), request.hexDump(format: .compact)],
                timeout: .seconds(30)
            ).runExpectingSuccess("raw StartupMessage for protocol 0.1234").standardOutput
        }

        let legacyError = BackendMessage.errorResponse(.unsupportedProtocolVersion(version, newest: .v3_0))
        var expected = ByteBuffer()
        legacyError.encode(into: &expected)
        #expect(
            replyHex.trimmingCharacters(in: .whitespacesAndNewlines) == expected.hexDump(format: .compact),
            "PostgreSQL's reply differs from the encoded legacy error")

        let transcript = try await CaptureVerifier.verify(captures, scenario: "protocol 0.1234")
        #expect(transcript.messages(.frontend).map(\.message) == [.frontend(startup)])
        #expect(transcript.messages(.backend).map(\.message) == [.backend(legacyError)])

        let capture = try #require(captures.first)
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-legacy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for direction in MessageDirection.allCases {
            try Data(capture.bytes(direction).readableBytesView).write(
                to: directory.appending(path: direction.rawValue))
        }
        let streams = [
            "--frontend", directory.appending(path: "frontend").path, "--backend",
            directory.appending(path: "backend").path,
        ]
        let text = try await PGWExecutable.run(["decode"] + streams)
        #expect(text.status == 0, "\(text)")
        #expect(
            text.standardOutput == """
                F StartupMessage 0.1234 (unsupported protocol version) user="postgres"
                B ErrorResponse legacy "FATAL:  unsupported frontend protocol 0.1234: server supports 3.0 to 3.0\\n"

                """)
        let json = try await PGWExecutable.run(["decode", "--format", "json"] + streams)
        #expect(json.status == 0, "\(json)")
        let lines = json.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let problems = try await JSONLinesSchemaValidator.problems(in: lines)
        #expect(problems.isEmpty, "\(problems)")
    }
}
