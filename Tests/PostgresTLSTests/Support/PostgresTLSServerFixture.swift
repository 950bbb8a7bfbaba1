import Foundation
import PostgresTestSupport

/// A throwaway PostgreSQL server with `ssl=on`, presenting the test PKI's server certificate and trusting its CA.
///
/// `pg_hba.conf` demands a client certificate (`cert`) from the role `alice` and trusts everyone else over TLS.
/// The shared ``PostgresServerFixture`` runs it; its watchdog stops the server and deletes its directory once the
/// test process has gone.
struct PostgresTLSServerFixture: Sendable {
    /// The TCP port on 127.0.0.1.
    let port: Int

    private static let shared = Task { try await start() }

    /// The run's server, started on first use.
    static func running() async throws -> PostgresTLSServerFixture { try await shared.value }

    private static func start() async throws -> PostgresTLSServerFixture {
        let pki = try TestPKI.shared()
        let server = try await PostgresServerFixture.start(
            .sslOn(
                label: "tls-pg",
                certificates: [
                    .init(source: URL(filePath: pki.path("server.crt")), name: "server.crt", permissions: 0o644),
                    .init(source: URL(filePath: pki.path("server.key")), name: "server.key", permissions: 0o600),
                    .init(source: URL(filePath: pki.path("ca.crt")), name: "ca.crt", permissions: 0o644),
                ],
                hostBasedAuthentication: [
                    "hostssl all alice 127.0.0.1/32 cert",
                    "hostssl all all 127.0.0.1/32 trust",
                ]))
        try await server.runAdministrativeSQL("CREATE ROLE alice LOGIN")
        return PostgresTLSServerFixture(port: server.port)
    }
}

extension PostgresServerFixture.Configuration {
    /// A server with `ssl = on` that loads `server.crt`, `server.key` and `ca.crt` from `certificates` and accepts
    /// TCP connections only as `hostBasedAuthentication` allows.
    static func sslOn(
        label: String, certificates: [PostgresServerFixture.DataDirectoryFile], hostBasedAuthentication: [String]
    ) -> Self {
        Self(
            label: label,
            hostBasedAuthentication: hostBasedAuthentication,
            trustsOtherLoopbackConnections: false,
            serverSettings: [
                "ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "ssl_ca_file = 'ca.crt'",
            ],
            dataDirectoryFiles: certificates)
    }
}
