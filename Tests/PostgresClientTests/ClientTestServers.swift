import Foundation
import PostgresTestSupport

/// Two throwaway PostgreSQL servers for the client tests, started once per run: one with `ssl=on` presenting
/// ``ClientTestPKI``'s server certificate, one without TLS. Both have a role per authentication method.
///
/// `pg_hba.conf` (both servers, where TLS allows): `trust_user` trusted, `password_user`, `md5_user` and
/// `scram_user` by their methods, `repl_user` trusted, also for replication; on the TLS server also `cert_user` by
/// client certificate, `ssl_only` only over TLS and `nossl_only` only without TLS.
struct ClientTestServers: Sendable {
    /// The port of the server with TLS.
    let tlsPort: Int
    /// The port of the server without TLS.
    let plainPort: Int
    /// The Unix socket directory of the server without TLS.
    let plainSocketDirectory: String

    /// The passwords of the password roles.
    static let passwords = ["password_user": "cleartext-pw", "md5_user": "md5-pw", "scram_user": "scram-pw"]

    private static let shared = Task { try await start() }

    /// The run's servers, started on first use.
    static func running() async throws -> ClientTestServers { try await shared.value }

    private static func start() async throws -> ClientTestServers {
        let pki = try ClientTestPKI.shared()
        let common = [
            "host all trust_user 127.0.0.1/32 trust",
            "host all password_user 127.0.0.1/32 password",
            "host all md5_user 127.0.0.1/32 md5",
            "host all scram_user 127.0.0.1/32 scram-sha-256",
            "host replication repl_user 127.0.0.1/32 trust",
            "host all repl_user 127.0.0.1/32 trust",
        ]
        let roles = [
            PostgresServerFixture.Role(
                name: "password_user", password: passwords["password_user"]!, passwordEncryption: "scram-sha-256"),
            PostgresServerFixture.Role(name: "md5_user", password: passwords["md5_user"]!, passwordEncryption: "md5"),
            PostgresServerFixture.Role(
                name: "scram_user", password: passwords["scram_user"]!, passwordEncryption: "scram-sha-256"),
        ]
        async let tls = PostgresServerFixture.start(
            PostgresServerFixture.Configuration(
                label: "client-tls",
                hostBasedAuthentication: common + [
                    "hostssl all cert_user 127.0.0.1/32 cert",
                    "hostssl all ssl_only 127.0.0.1/32 trust",
                    "hostnossl all nossl_only 127.0.0.1/32 trust",
                ],
                trustsOtherLoopbackConnections: false,
                serverSettings: [
                    "ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'",
                    "ssl_ca_file = 'ca.crt'",
                ],
                dataDirectoryFiles: [
                    .init(source: URL(filePath: pki.path("server.crt")), name: "server.crt", permissions: 0o644),
                    .init(source: URL(filePath: pki.path("server.key")), name: "server.key", permissions: 0o600),
                    .init(source: URL(filePath: pki.path("ca.crt")), name: "ca.crt", permissions: 0o644),
                ],
                roles: roles))
        async let plain = PostgresServerFixture.start(
            PostgresServerFixture.Configuration(
                label: "client-plain", hostBasedAuthentication: common, trustsOtherLoopbackConnections: false,
                roles: roles))
        let (tlsServer, plainServer) = try await (tls, plain)
        for server in [tlsServer, plainServer] {
            _ = try await server.runAdministrativeSQL(
                "CREATE ROLE trust_user LOGIN; CREATE ROLE cert_user LOGIN; CREATE ROLE ssl_only LOGIN; "
                    + "CREATE ROLE nossl_only LOGIN; CREATE ROLE repl_user LOGIN REPLICATION")
        }
        return ClientTestServers(
            tlsPort: tlsServer.port, plainPort: plainServer.port, plainSocketDirectory: plainServer.directory.path)
    }

    /// psql's outcome for `conninfo` running `select ssl from pg_stat_ssl where pid = pg_backend_pid()`: `nil`
    /// when it could not connect, else whether the connection used TLS. `HOME` is an empty directory, so no
    /// `~/.postgresql` or `~/.pgpass` is read; `PG*` variables come only from `environment`; psql never prompts.
    static func psqlUsesTLS(_ conninfo: String, environment extra: [String: String] = [:]) async throws -> Bool? {
        let outcome = try await psql(conninfo, environment: extra)
        guard outcome.succeeded else { return nil }
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "t"
    }

    /// psql's error for `conninfo`, as it prints it without its `psql: error: ` prefix and final newline; `nil`
    /// when it connected. Run as ``psqlUsesTLS(_:environment:)``.
    static func psqlError(_ conninfo: String, environment extra: [String: String] = [:]) async throws -> String? {
        let outcome = try await psql(conninfo, environment: extra)
        guard !outcome.succeeded else { return nil }
        var text = outcome.standardError.trimmingCharacters(in: ["\n"])
        if text.hasPrefix("psql: error: ") { text.removeFirst("psql: error: ".count) }
        return text
    }

    private static func psql(_ conninfo: String, environment extra: [String: String]) async throws
        -> ProcessOutcome
    {
        let home = try TemporaryDirectory()
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["HOME"] = home.url.path
        environment.merge(extra) { _, given in given }
        return try await SubprocessCommand(
            try PostgresInstallation().executable("psql"),
            ["-X", "-w", "-tA", "-c", "select ssl from pg_stat_ssl where pid = pg_backend_pid()", conninfo],
            environment: environment,
            timeout: .seconds(30)
        ).run()
    }
}
