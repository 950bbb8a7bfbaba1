import Foundation
import PostgresTestSupport
import Testing

/// What `pgw decode` prints of a real capture, pasted whole into a strict conversation, gives a client what the
/// real server gave it: psql against PostgreSQL under tcpdump, then the same psql against `pgw serve`. Serialized:
/// each capture holds its own test's connection only.
@Suite(.postgresServer(.gatewayTests(hostBasedAuthentication: [])), .serialized, .timeLimit(.minutes(3)))
struct ServeDecodedSessionTests {
    /// Text and bytea values whose text form could be misread: the text `\x41` and a bytea's text output `\x41`
    /// (not the byte 0x41), backslashes, a bytea that is not text.
    static let query = #"select '\x41'::bytea, '\x41'::text, 'a\b\\c'::text, '\x00ff'::bytea, 'x'"#

    @Test func psqlGetsFromAPastedDecodedSessionWhatPostgreSQLAnswered() async throws {
        let server = try PostgresServerTrait.server()
        let pcap = FileManager.default.temporaryDirectory.appending(path: "pgw-decoded-\(UUID().uuidString).pcap").path
        defer { unlink(pcap) }
        let tcpdump = try await TCPDumpRecording(port: server.port, path: pcap)
        let original = try await server.runSQL(Self.query, as: PostgresServerFixture.superuser, password: "")
        try await tcpdump.stop()
        #expect(original.succeeded && original.standardOutput == "\\x41|\\x41|a\\b\\\\c|\\x00ff|x\n", "\(original)")

        let decoded = try await PGWExecutable.run(["decode", pcap, "--port", String(server.port), "--full"])
        #expect(decoded.succeeded, "\(decoded)")
        let lines = decoded.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasSuffix(#" -- closed (FIN)"#) }, "\(decoded)")
        #expect(lines.contains { $0.contains("BackendKeyData") && $0.hasSuffix("key=****") }, "\(decoded)")
        let yaml =
            "conversation:\n"
            + lines.map { "  - '" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: "\n")
        let path = try ServeStackTests.file("decoded.yaml", yaml)
        let serve = try await ServeProcess(["--script", path], capturingStandardError: true)
        let replayed = try await ServeStackTests.run(
            "psql", ["-X", "-w", "-q", "-A", "-t", "-c", Self.query], port: serve.port)
        #expect(replayed.succeeded && replayed.standardOutput == original.standardOutput, "\(replayed)\n\(yaml)")
        serve.send(SIGTERM)
        try #require(try await serve.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try serve.standardErrorAfterExit()
        #expect(serve.process.terminationStatus == 0, "\(report)")
    }

    /// asyncpg asks for every result in binary: decode shows the values by their type (`DataRow [42, true, 0.1, …]`),
    /// and serve sends them in binary again, so asyncpg reads the same record.
    static let asyncpgProgram = #"""
        import asyncio, asyncpg, sys
        async def main():
            c = await asyncpg.connect(host='127.0.0.1', port=int(sys.argv[1]), user=sys.argv[2], database='postgres',
                                      ssl=False)
            print(await c.fetchrow("select 42::int4, true, 0.1::float8, '2024-02-29'::date, '\\x41'::bytea, "
                                   "'\\x41'::text, 'café'::text, interval '1 day 02:03:04.5'"))
            await c.close()
        asyncio.run(main())
        """#

    @Test func asyncpgGetsFromAPastedDecodedSessionTheBinaryValuesPostgreSQLSent() async throws {
        let server = try PostgresServerTrait.server()
        let pcap = FileManager.default.temporaryDirectory.appending(path: "pgw-asyncpg-\(UUID().uuidString).pcap").path
        defer { unlink(pcap) }
        let python = try PostgresInstallation.executableOnPath("python3")
        let tcpdump = try await TCPDumpRecording(port: server.port, path: pcap)
        let original = try await SubprocessCommand(
            python, ["-c", Self.asyncpgProgram, String(server.port), PostgresServerFixture.superuser],
            timeout: .seconds(60)
        ).run()
        try await tcpdump.stop()
        #expect(original.succeeded && original.standardOutput.contains("int4=42"), "\(original)")

        let decoded = try await PGWExecutable.run(["decode", pcap, "--port", String(server.port), "--full"])
        #expect(decoded.succeeded, "\(decoded)")
        #expect(
            decoded.standardOutput.contains(#"B DataRow [42, true, 0.1, "2024-02-29", "\\x41", "\x5cx41""#),
            "\(decoded)")
        let yaml =
            "conversation:\n"
            + decoded.standardOutput.split(separator: "\n").map {
                "  - '" + $0.replacingOccurrences(of: "'", with: "''") + "'"
            }.joined(separator: "\n")
        let path = try ServeStackTests.file("asyncpg.yaml", yaml)
        let serve = try await ServeProcess(["--script", path], capturingStandardError: true)
        let replayed = try await SubprocessCommand(
            python, ["-c", Self.asyncpgProgram, String(serve.port), PostgresServerFixture.superuser],
            timeout: .seconds(60)
        ).run()
        #expect(replayed.succeeded && replayed.standardOutput == original.standardOutput, "\(replayed)\n\(yaml)")
        serve.send(SIGTERM)
        try #require(try await serve.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try serve.standardErrorAfterExit()
        #expect(serve.process.terminationStatus == 0, "\(report)")
    }

    /// psycopg 3 sends an int parameter in binary, typed int2 in its Parse (`Parse … [int2, unspecified]`), which
    /// decode shows by its type (`parameters=[41, "hi"] formats=["binary", "text"]`): the pasted session loads,
    /// the Bind's value read by the Parse's type, and psycopg's Bind matches it.
    static let psycopgProgram = #"""
        import sys, psycopg
        conn = psycopg.connect(host='127.0.0.1', port=sys.argv[1], user=sys.argv[2], dbname='postgres',
                               sslmode='disable')
        print(conn.execute("select %s::int + 1 as x, %s::text as t", [41, "hi"]).fetchone())
        conn.commit()
        conn.close()
        """#

    @Test func psycopgBindsItsBinaryParametersTypedByTheParseOfAPastedDecodedSession() async throws {
        let server = try PostgresServerTrait.server()
        let pcap = FileManager.default.temporaryDirectory.appending(path: "pgw-psycopg-\(UUID().uuidString).pcap").path
        defer { unlink(pcap) }
        let python = try PostgresInstallation.executableOnPath("python3")
        let tcpdump = try await TCPDumpRecording(port: server.port, path: pcap)
        let original = try await SubprocessCommand(
            python, ["-c", Self.psycopgProgram, String(server.port), PostgresServerFixture.superuser],
            timeout: .seconds(60)
        ).run()
        try await tcpdump.stop()
        #expect(original.succeeded && original.standardOutput == "(42, 'hi')\n", "\(original)")

        let decoded = try await PGWExecutable.run(["decode", pcap, "--port", String(server.port), "--full"])
        #expect(decoded.succeeded, "\(decoded)")
        #expect(
            decoded.standardOutput.contains(#"parameters=[41, "hi"] formats=["binary", "text"]"#), "\(decoded)")
        let yaml =
            "conversation:\n"
            + decoded.standardOutput.split(separator: "\n").map {
                "  - '" + $0.replacingOccurrences(of: "'", with: "''") + "'"
            }.joined(separator: "\n")
        let path = try ServeStackTests.file("psycopg.yaml", yaml)
        let serve = try await ServeProcess(["--script", path], capturingStandardError: true)
        let replayed = try await SubprocessCommand(
            python, ["-c", Self.psycopgProgram, String(serve.port), PostgresServerFixture.superuser],
            timeout: .seconds(60)
        ).run()
        #expect(replayed.succeeded && replayed.standardOutput == original.standardOutput, "\(replayed)\n\(yaml)")
        serve.send(SIGTERM)
        try #require(try await serve.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try serve.standardErrorAfterExit()
        #expect(serve.process.terminationStatus == 0, "\(report)")
    }
}
