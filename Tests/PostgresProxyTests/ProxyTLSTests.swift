import Foundation
import PostgresGateway
import PostgresProxy
import PostgresTLS
import PostgresTestSupport
import Testing

/// Both legs TLS against a PostgreSQL that only takes SCRAM over TLS: the proxy asks psql for its password over
/// the TLS client leg and logs in upstream with SCRAM-SHA-256-PLUS and verify-full.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-tls",
            hostBasedAuthentication: ["hostssl all proxy_tls 127.0.0.1/32 scram-sha-256"],
            trustsOtherLoopbackConnections: false,
            serverSettings: ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"],
            dataDirectoryFiles: [
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("server.crt")), name: "server.crt",
                    permissions: 0o644),
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("server.key")), name: "server.key",
                    permissions: 0o600),
            ],
            roles: [.init(name: "proxy_tls", password: "tls-Secret", passwordEncryption: "scram-sha-256")])),
    .timeLimit(.minutes(2))
)
struct ProxyTLSTests {
    @Test func bothLegsTLSWithSCRAMPlusUpstream() async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try UpstreamServer(
            parsing:
                "host=127.0.0.1 port=\(server.port) sslmode=verify-full sslrootcert=\(ProxyTestCertificates.path("ca.crt"))",
            environment: [:])
        #expect(upstream.requiresTLS)
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        let psql = try server.installation.executable("psql")
        let connection =
            "host=127.0.0.1 port=\(harness.port) user=proxy_tls dbname=postgres sslmode=verify-full "
            + "sslrootcert=\(ProxyTestCertificates.path("ca.crt"))"
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGPASSWORD"] = "tls-Secret"
        let session = try await SubprocessCommand(
            psql,
            ["-X", "-w", "-At", connection, "-c", "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
            environment: environment
        ).run()
        environment["PGPASSWORD"] = "wrong"
        let refused = try await SubprocessCommand(
            psql, ["-X", "-w", "-At", connection, "-c", "SELECT 1"], environment: environment
        ).run()
        let log = try await harness.stop()
        #expect(session.succeeded && session.standardOutput.hasPrefix("t|TLSv1."), "\(session)")
        #expect(!refused.succeeded, "\(refused)")
        #expect(
            refused.standardError.contains("password authentication failed for user \"proxy_tls\""), "\(refused)")
        let text = log.joined(separator: "\n")
        #expect(text.contains("authenticating mode: logged in upstream as proxy_tls over TLSv1."), "\(text)")
        #expect(text.contains(" with scram-sha-256 (SCRAM-SHA-256-PLUS, channel bound)"), "\(text)")
        #expect(text.contains("F PasswordMessage ****"), "\(text)")
        #expect(text.contains("client TLS TLSv1."), "\(text)")
        #expect(!text.contains("tls-Secret"))
        #expect(!text.contains("warning"), "the password travels over the TLS client leg")
        #expect(text.contains("B ErrorResponse FATAL 28P01"), "\(text)")
        #expect(text.contains("B DataRow [\"t\""), "\(text)")
    }

    /// Arguments: port, user, password. Prints whether the cancel key psycopg holds is not the upstream backend's
    /// (the proxy issues its own), the outcome of a cancelled pg_sleep, and a marker row.
    static let cancelScript = """
        import sys, threading, time, psycopg
        port, user, password = sys.argv[1:4]
        conn = psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="postgres",
                               sslmode="require", autocommit=True)
        print("own key", conn.info.backend_pid != conn.execute("select pg_backend_pid()").fetchone()[0])
        \(PythonClientScripts.cancelledSleep)
        cancelled_sleep(conn)
        print(conn.execute("select 'through both legs' as marker").fetchone()[0])
        conn.close()
        """

    /// `--keylog`: both legs' TLS secrets go to one key log (0600), with which tshark decrypts a tcpdump capture of
    /// both legs and finds the same statement in each; the client holds the proxy's cancel key, which reaches the
    /// upstream as the upstream's own.
    @Test func keyLogDecryptsBothLegsAndTheProxyIssuesCancelKeys() async throws {
        let server = try PostgresServerTrait.server()
        let directory = FileManager.default.temporaryDirectory.appending(path: "pgw-proxy-keylog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyLog = directory.appending(path: "keys.log").path
        let upstream = try UpstreamServer(
            parsing:
                "host=127.0.0.1 port=\(server.port) sslmode=verify-full sslrootcert=\(ProxyTestCertificates.path("ca.crt"))",
            environment: [:])
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text,
            tls: try ProxyTestCertificates.clientLegTLS(keyLog: TLSKeyLog(path: keyLog)),
            upstreamKeyLogFile: keyLog)
        let capture = directory.appending(path: "legs.pcap").path
        let tcpdump = try await TCPDumpRecording(ports: [harness.port, server.port], path: capture)
        let outcome = try await PythonClientScripts.run(
            Self.cancelScript, module: "psycopg", arguments: [String(harness.port), "proxy_tls", "tls-Secret"])
        try await tcpdump.stop()
        let log = try await harness.stop()
        #expect(outcome.standardOutput == "own key True\ncancelled 57014 True\nthrough both legs\n", "\(outcome)")
        #expect(log.contains { $0.contains("CancelRequest forwarded to 127.0.0.1:\(server.port)") }, "\(log)")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyLog)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let keyLines = try String(contentsOfFile: keyLog, encoding: .utf8).split(separator: "\n")
        let clientRandoms = Set(
            keyLines.filter { $0.hasPrefix("CLIENT_TRAFFIC_SECRET_0 ") }.map { $0.split(separator: " ")[1] })
        #expect(clientRandoms.count >= 2, "a TLS 1.3 session per leg: \(keyLines)")
        let tshark = try PostgresInstallation.executableOnPath("tshark")
        let dissected = try await SubprocessCommand(
            tshark,
            [
                "-r", capture, "-o", "tls.keylog_file:\(keyLog)", "-d", "tcp.port==\(harness.port),pgsql", "-d",
                "tcp.port==\(server.port),pgsql", "-Y", "pgsql.query", "-T", "fields", "-e", "tcp.dstport", "-e",
                "pgsql.query",
            ]
        ).run()
        #expect(dissected.succeeded, "\(dissected)")
        let queries = dissected.standardOutput.split(separator: "\n").map(String.init)
        #expect(queries.contains("\(harness.port)\tselect 'through both legs' as marker"), "\(queries)")
        #expect(queries.contains("\(server.port)\tselect 'through both legs' as marker"), "\(queries)")
    }
}
