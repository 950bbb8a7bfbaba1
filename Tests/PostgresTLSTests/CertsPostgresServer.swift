import Foundation

/// A throwaway PostgreSQL server with `ssl=on` using the files of one `pgw certs generate` run: server.crt,
/// server.key and ca.crt. `pg_hba.conf` lets `alice` in with a client certificate (`cert`) only, and `postgres`
/// over TLS without a password. Its data directory is in ``CertsPGW/temporaryDirectory()``, so the server is
/// stopped, and its files removed, when the test process ends.
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
        let installation = PostgresInstallation()
        guard let postgresUser = getpwnam("postgres") else {
            throw TLSTestError.missingPrerequisite("a 'postgres' system user to run the server as")
        }
        let directory = try CertsPGW.temporaryDirectory()
        let data = directory.appending(path: "data")
        chown(directory.path, postgresUser.pointee.pw_uid, postgresUser.pointee.pw_gid)
        try await SubprocessCommand(
            installation.executable("initdb"),
            ["-D", data.path, "--auth=trust", "-U", "postgres", "--no-sync", "--locale=C"], timeout: .seconds(120)
        ).asPostgresUserIfRoot().runExpectingSuccess("initdb")
        for name in ["server.crt", "server.key", "ca.crt"] {
            let destination = data.appending(path: name).path
            // copyItem keeps the generated modes (key 0600), which is part of what is tested.
            try FileManager.default.copyItem(atPath: certificates.appending(path: name).path, toPath: destination)
            chown(destination, postgresUser.pointee.pw_uid, postgresUser.pointee.pw_gid)
        }
        let port = try await FreeLoopbackPort.find()
        let configuration = try FileHandle(forWritingTo: data.appending(path: "postgresql.conf"))
        try configuration.seekToEnd()
        try configuration.write(
            contentsOf: Data(
                """

                listen_addresses = '127.0.0.1'
                port = \(port)
                unix_socket_directories = '\(directory.path)'
                ssl = on
                ssl_cert_file = 'server.crt'
                ssl_key_file = 'server.key'
                ssl_ca_file = 'ca.crt'
                fsync = off

                """.utf8))
        try configuration.close()
        try """
        local all all trust
        hostssl all alice 127.0.0.1/32 cert
        hostssl all postgres 127.0.0.1/32 trust

        """.write(to: data.appending(path: "pg_hba.conf"), atomically: false, encoding: .utf8)

        let server = Process()
        let command = try SubprocessCommand(installation.executable("postgres"), ["-D", data.path])
            .asPostgresUserIfRoot()
        server.executableURL = command.executable
        server.arguments = command.arguments
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        server.standardError = try FileHandle(forWritingTo: createFile(directory.appending(path: "server.log")))
        try server.run()
        let readiness = SubprocessCommand(
            try installation.executable("pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port), "-t", "1"],
            timeout: .seconds(10))
        for _ in 0..<300 where server.isRunning {
            if try await readiness.run().succeeded {
                try await SubprocessCommand(
                    installation.executable("psql"),
                    [
                        "-X", "-q", "-h", directory.path, "-p", String(port), "-U", "postgres", "-c",
                        "CREATE ROLE alice LOGIN",
                    ]
                ).runExpectingSuccess("psql CREATE ROLE")
                return CertsPostgresServer(port: port, certificates: certificates)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOf: directory.appending(path: "server.log"), encoding: .utf8)) ?? ""
        throw TLSTestError.timedOut(
            "waiting for PostgreSQL with the generated certificates to start. Server log:\n\(log)")
    }

    private static func createFile(_ url: URL) -> URL {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return url
    }

    /// Runs psql against the server with libpq connection `parameters` (on top of hostaddr, port, dbname and
    /// `sslmode=verify-full` with the generated CA), printing `current_user` and the TLS facts.
    func psql(_ parameters: [String: String]) async throws -> ProcessOutcome {
        var all = [
            "hostaddr": "127.0.0.1", "port": String(port), "dbname": "postgres", "sslmode": "verify-full",
            "sslrootcert": certificates.appending(path: "ca.crt").path, "gssencmode": "disable",
            "connect_timeout": "10",
        ]
        all.merge(parameters) { $1 }
        let connection = all.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        return try await SubprocessCommand(
            try Programs.psql(),
            [
                connection, "-X", "-A", "-t", "-c",
                "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            ],
            environment: Programs.libpqEnvironment(home: certificates), timeout: .seconds(30)
        ).run()
    }
}
