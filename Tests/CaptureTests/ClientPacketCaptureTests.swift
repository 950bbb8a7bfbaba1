import Foundation
import PostgresTestSupport
import Testing

/// Real tcpdump captures of pgbench (extended and prepared protocol), asyncpg and pg8000 through the recording
/// relay, and of psql over TLS against `pgw serve`: `pgw decode` finds every connection, in causal order, and
/// Wireshark's `pgsql` dissector sees the same message types and counts; the TLS connection is marked encrypted.
@Suite(.postgresServer(.captureTests), .timeLimit(.minutes(3)))
struct ClientPacketCaptureTests {
    /// A client and what it runs.
    enum Client: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case pgbenchExtended = "pgbench -M extended"
        case pgbenchPrepared = "pgbench -M prepared"
        case asyncpg, pg8000

        var testDescription: String { rawValue }

        /// The frontend message types its capture must show.
        var frontendTypes: [String] {
            switch self {
            case .pgbenchExtended: ["StartupMessage", "Parse", "Bind", "Describe", "Execute", "Sync", "Terminate"]
            case .pgbenchPrepared: ["StartupMessage", "Parse", "Bind", "Execute", "Sync", "Terminate"]
            case .asyncpg: ["SSLRequest", "StartupMessage", "Parse", "Describe", "Bind", "Execute", "CopyData"]
            case .pg8000: ["StartupMessage", "SASLInitialResponse", "SASLResponse", "Parse", "Bind", "Execute"]
            }
        }

        /// Runs the client through `session`; pgbench's tables are made first, outside the capture.
        func run(in session: CaptureSession) async throws {
            switch self {
            case .pgbenchExtended, .pgbenchPrepared:
                let mode = self == .pgbenchExtended ? "extended" : "prepared"
                try await session.postgresClient(
                    "pgbench", ["-n", "-t", "20", "-c", "2", "-M", mode], database: database
                ).runExpectingSuccess(rawValue)
            case .asyncpg:
                try await session.pythonClient("asyncpg_scenario.py", requiring: ["asyncpg"])
                    .runExpectingSuccess("asyncpg scenario")
            case .pg8000:
                let role = PasswordRole.scram
                try await session.pythonClient(
                    "pg8000_scenario.py", [role.name, role.password], requiring: ["pg8000"]
                ).runExpectingSuccess("pg8000 scenario")
            }
        }

        /// pgbench's database, one per mode so the cases can run at once.
        var database: String { "packet_" + rawValue.filter(\.isLetter).lowercased() }
    }

    @Test(arguments: Client.allCases)
    func decodedConnectionsAgreeWithTShark(client: Client) async throws {
        let server = try PostgresServerTrait.server()
        if client == .pgbenchExtended || client == .pgbenchPrepared {
            try await server.runAdministrativeSQL("CREATE DATABASE \(client.database)")
            _ = try await CaptureSession.record(server: server) { session in
                try await session.postgresClient("pgbench", ["-i", "-q", "-s", "1"], database: client.database)
                    .runExpectingSuccess("pgbench -i")
            }
        }
        let pcap = PacketCaptureTests.temporaryPcapPath()
        defer { unlink(pcap) }
        let (captures, port) = try await PacketCaptureTests.record(server: server, pcap: pcap) {
            try await client.run(in: $0)
        }

        let lines = try await PacketCaptureTests.decode([pcap, "--port", String(port)])
        let connections = Dictionary(grouping: lines, by: \.connection)
        #expect(connections.count == captures.count, "one decoded connection per relayed connection")
        for (id, messages) in connections {
            #expect(PacketCaptureTests.isCausallyOrdered(messages), "connection \(id): a reply before its request")
        }
        let frontendTypes = Set(lines.filter { $0.direction == "frontend" }.map(\.type))
        #expect(Set(client.frontendTypes).subtracting(frontendTypes).isEmpty, "\(frontendTypes.sorted())")
        try await PacketCaptureTests.expectTSharkAgrees(with: lines, pcap: pcap, port: port)
    }

    @Test func aTLSSessionShowsItsNegotiationAndIsMarkedEncrypted() async throws {
        let server = try PostgresServerTrait.server()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-tls-capture-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try await PGWExecutable.run([
            "certs", "generate", "--dir", directory.path, "--server-name", "127.0.0.1",
        ])
        #expect(certificates.succeeded, "\(certificates)")
        let (serve, port) = try await ListeningProcess.start(
            try PGWExecutable.url(),
            [
                "serve", "--port", "0", "--tls-cert", directory.appending(path: "server.crt").path,
                "--tls-key", directory.appending(path: "server.key").path,
            ])
        defer { serve.terminate() }
        let pcap = PacketCaptureTests.temporaryPcapPath()
        defer { unlink(pcap) }
        let tcpdump = try await TCPDumpRecording(port: port, path: pcap)
        let psql = try await SubprocessCommand(
            try server.installation.executable("psql"),
            ["-X", "-At", "host=127.0.0.1 port=\(port) sslmode=require user=alice dbname=app", "-c", "SELECT 1"]
        ).run()
        try await tcpdump.stop()
        #expect(psql.succeeded, "\(psql)")

        let lines = try await PacketCaptureTests.decode([pcap, "--port", String(port)])
        #expect(lines.map(\.type) == ["SSLRequest", "SSLResponse"])
        let text = try await PGWExecutable.run(["decode", pcap, "--port", String(port)])
        #expect(text.standardOutput.contains("B SSLResponse S (accepted)"), "\(text)")
        #expect(text.standardOutput.contains("-- encrypted: the rest of the connection is not decoded"), "\(text)")
        #expect(text.standardOutput.contains("encrypted bytes not decoded"), "\(text)")
        try await PacketCaptureTests.expectTSharkAgrees(with: lines, pcap: pcap, port: port)
    }
}
