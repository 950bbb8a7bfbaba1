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
        let context = try TLSServerContext(
            configuration: TLSServerConfiguration(
                identity: TLSIdentity(
                    certificateChainFile: ProxyTestCertificates.path("server.crt"),
                    privateKeyFile: ProxyTestCertificates.path("server.key"))))
        let harness = try await ProxyHarness.start(upstream: upstream, format: .text, tls: .context(context))
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
        #expect(text.contains("(SCRAM-SHA-256-PLUS, channel bound)"), "\(text)")
        #expect(text.contains("F PasswordMessage ****"), "\(text)")
        #expect(text.contains("client TLS TLSv1."), "\(text)")
        #expect(!text.contains("tls-Secret"))
        #expect(!text.contains("warning"), "the password travels over the TLS client leg")
        #expect(text.contains("B ErrorResponse FATAL 28P01"), "\(text)")
        #expect(text.contains("B DataRow [\"t\""), "\(text)")
    }
}
