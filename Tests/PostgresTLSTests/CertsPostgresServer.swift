import Foundation
import PostgresTestSupport

/// A throwaway PostgreSQL server with `ssl=on` using the files of one `pgw certs generate` run: server.crt,
/// server.key and ca.crt. `pg_hba.conf` lets `alice` in with a client certificate (`cert`) only, and `postgres`
/// over TLS without a password. The shared ``PostgresServerFixture`` runs it, so the server is stopped, and its
/// files removed, when the test process ends.
struct CertsPostgresServer: Sendable {
    /// The TCP port on 127.0.0.1.
    let port: Int
    /// The `pgw certs generate` directory: `ca.crt`, `server.crt`/`.key` for ``serverName``, `alice.crt`/`.key`.
    let certificates: URL
    /// The name `server.crt` was generated for: a wildcard, so that any `*.pgw-certs.test` host verifies.
    static let serverName = "*.pgw-certs.test"

    private static let shared = Task { try await start() }

    /// The run's server, started on first use.
    static func running() async throws -> CertsPostgresServer { try await shared.value }

    private static func start() async throws -> CertsPostgresServer {
        let certificates = try await CertsPGW.generate(serverName: serverName, clients: ["alice"])
        let server = try await PostgresServerFixture.start(
            .sslOn(
                label: "certs-pg",
                // No permissions: the copies keep the generated modes (key 0600), which is part of what is tested.
                certificates: ["server.crt", "server.key", "ca.crt"].map {
                    .init(source: certificates.appending(path: $0), name: $0)
                },
                hostBasedAuthentication: [
                    "hostssl all alice 127.0.0.1/32 cert",
                    "hostssl all postgres 127.0.0.1/32 trust",
                ]))
        try await server.runAdministrativeSQL("CREATE ROLE alice LOGIN")
        return CertsPostgresServer(port: server.port, certificates: certificates)
    }

    /// Runs psql against the server with libpq connection `parameters` (on top of hostaddr, port, dbname and
    /// `sslmode=verify-full` with the generated CA), printing `current_user` and the TLS facts.
    func psql(_ parameters: [String: String]) async throws -> ProcessOutcome {
        var all = [
            "hostaddr": "127.0.0.1", "port": String(port), "dbname": "postgres", "sslmode": "verify-full",
            "sslrootcert": certificates.appending(path: "ca.crt").path, "gssencmode": "disable",
            "connect_timeout": "30",
        ]
        all.merge(parameters) { $1 }
        let connection = all.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        return try await SubprocessCommand(
            try Programs.psql(),
            [
                connection, "-X", "-A", "-t", "-c",
                "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            ],
            environment: Programs.libpqEnvironment(home: certificates), timeout: .seconds(60)
        ).run()
    }
}
