import Foundation
import PostgresGateway
import PostgresProxy
import PostgresTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An upstream backend killed mid-query: the client gets FATAL 08006 from the proxy, which goes on serving others,
/// in the transparent mode and in the authenticating mode (a TLS upstream, whose killed backend leaves without TLS
/// close_notify). Its own server, as killing a backend makes PostgreSQL restart every session; one test at a time.
@Suite(
    .postgresServer(
        PostgresServerFixture.Configuration(
            label: "proxy-loss", hostBasedAuthentication: ["host all proxy_loss 127.0.0.1/32 scram-sha-256"],
            serverSettings: [
                "ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "ssl_ca_file = 'ca.crt'",
            ],
            dataDirectoryFiles: [
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("ca.crt")), name: "ca.crt", permissions: 0o644),
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("server.crt")), name: "server.crt",
                    permissions: 0o644),
                .init(
                    source: URL(filePath: ProxyTestCertificates.path("server.key")), name: "server.key",
                    permissions: 0o600),
            ],
            roles: [.init(name: "proxy_loss", password: "loss-Secret", passwordEncryption: "scram-sha-256")])),
    .serialized, .timeLimit(.minutes(3))
)
struct ProxyUpstreamLossTests {
    @Test func killedBackendGivesTheClientFatal08006AndTheProxyServesOthers() async throws {
        let server = try PostgresServerTrait.server()
        let harness = try await ProxyHarness.start(upstreamPort: server.port, format: .text)
        try await Self.killBackendAndExpectFatal(through: harness, server: server, loggedCause: nil)
    }

    /// The authenticating mode (a TLS upstream): the killed backend's leg ends without TLS close_notify, and the
    /// client (over TLS too) gets the same FATAL 08006 with the same DETAIL.
    @Test func killedTLSBackendGivesTheClientFatal08006InTheAuthenticatingMode() async throws {
        let server = try PostgresServerTrait.server()
        let upstream = try UpstreamServer(
            parsing: "host=127.0.0.1 port=\(server.port) sslmode=require", environment: [:])
        let harness = try await ProxyHarness.start(
            upstream: upstream, format: .text, tls: try ProxyTestCertificates.clientLegTLS())
        try await Self.killBackendAndExpectFatal(
            through: harness, server: server, loggedCause: " (peer closed the connection without TLS close_notify)")
    }

    /// Runs a long query through `harness` with psql, kills its backend, and expects psql to show FATAL 08006 with
    /// the proxy's DETAIL, the log to show the FATAL before the connection's summary (which counts it), and the
    /// proxy to serve the next client once PostgreSQL is back; the summary gives the reason with `loggedCause`.
    private static func killBackendAndExpectFatal(
        through harness: ProxyHarness, server: PostgresServerFixture, loggedCause: String?
    ) async throws {
        // The other test's kill makes PostgreSQL restart: wait until it takes connections again.
        for _ in 0..<100 {
            if (try? await server.runAdministrativeSQL("SELECT 1")) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        async let victim = ProxyHarness.psql(
            port: harness.port, role: "proxy_loss", password: "loss-Secret", script: "SELECT pg_sleep(30);\n",
            server: server)
        var pid: Int32?
        for _ in 0..<100 where pid == nil {
            try await Task.sleep(for: .milliseconds(100))
            let found = try await server.runAdministrativeSQL(
                "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30);'")
            pid = Int32(found.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let backend = try #require(pid, "the proxied query never showed up in pg_stat_activity")
        kill(backend, SIGKILL)
        let outcome = try await victim
        #expect(outcome.status != 0, "\(outcome)")
        #expect(
            outcome.standardError.contains("FATAL:  08006: server closed the connection unexpectedly"), "\(outcome)")
        #expect(
            outcome.standardError.contains(
                "DETAIL:  The upstream server 127.0.0.1:\(server.port) closed the connection to pgw proxy."),
            "\(outcome)")
        // PostgreSQL restarts after a backend crash; the proxy serves the next client once it is back.
        var next: ProcessOutcome?
        for _ in 0..<50 {
            next = try await ProxyHarness.psql(
                port: harness.port, role: "proxy_loss", password: "loss-Secret", script: "SELECT 40 + 2;\n",
                server: server)
            if next?.succeeded == true { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(next?.standardOutput.contains("42") == true, "\(String(describing: next))")
        let log = try await harness.stop()
        // The FATAL the proxy sends is logged and counted before the connection's summary.
        let summary = try #require(
            log.firstIndex { $0.contains(": server closed the connection unexpectedly") }, "\(log)")
        let fatal = try #require(log.firstIndex { $0.contains("B ErrorResponse FATAL 08006") }, "\(log)")
        #expect(fatal < summary, "\(log)")
        #expect(
            log[summary].contains(": server closed the connection unexpectedly\(loggedCause ?? ""); F "),
            "\(log[summary])")
        let connection = try #require(log[summary].firstMatch(of: /\ (#\d+)\ --/)?.1, "\(log[summary])")
        let serverLines = log[..<summary].filter { $0.contains(" \(connection) B ") }.count
        #expect(log[summary].contains(", B \(serverLines) messages "), "\(log)")
    }
}
