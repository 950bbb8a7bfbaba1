import Foundation

/// A throwaway PostgreSQL server with `ssl=on`, presenting the test PKI's server certificate and trusting its CA.
///
/// `pg_hba.conf` demands a client certificate (`cert`) from the role `alice` and trusts everyone else over TLS.
/// A watchdog stops the server and deletes its directory once the test process has gone.
struct PostgresTLSServerFixture: Sendable {
    /// The TCP port on 127.0.0.1.
    let port: Int

    private static let shared = Task { try await start() }

    /// The run's server, started on first use.
    static func running() async throws -> PostgresTLSServerFixture { try await shared.value }

    private static func start() async throws -> PostgresTLSServerFixture {
        let pki = try TestPKI.shared()
        let installation = PostgresInstallation()
        guard let postgresUser = getpwnam("postgres") else {
            throw TLSTestError.missingPrerequisite("a 'postgres' system user to run the server as")
        }
        let directory = URL(filePath: "/tmp").appending(path: "pgw-tls-pg-\(UUID().uuidString)")
        let data = directory.appending(path: "data")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chown(directory.path, postgresUser.pointee.pw_uid, postgresUser.pointee.pw_gid)
        try startWatchdog(directory: directory, pgCtl: installation.executable("pg_ctl"))
        try await SubprocessCommand(
            installation.executable("initdb"),
            ["-D", data.path, "--auth=trust", "-U", "postgres", "--no-sync", "--locale=C"], timeout: .seconds(120)
        ).asPostgresUserIfRoot().runExpectingSuccess("initdb")

        for (source, target, mode) in [
            ("server.crt", "server.crt", 0o644), ("server.key", "server.key", 0o600), ("ca.crt", "ca.crt", 0o644),
        ] {
            let destination = data.appending(path: target).path
            try FileManager.default.copyItem(atPath: pki.path(source), toPath: destination)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: destination)
            chown(destination, postgresUser.pointee.pw_uid, postgresUser.pointee.pw_gid)
        }
        let port = try await FreeLoopbackPort.find()
        try appendText(
            """

            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory.path)'
            ssl = on
            ssl_cert_file = 'server.crt'
            ssl_key_file = 'server.key'
            ssl_ca_file = 'ca.crt'
            fsync = off

            """, to: data.appending(path: "postgresql.conf"))
        try """
        local all all trust
        hostssl all alice 127.0.0.1/32 cert
        hostssl all all 127.0.0.1/32 trust

        """.write(to: data.appending(path: "pg_hba.conf"), atomically: false, encoding: .utf8)

        try await startServer(
            installation: installation, data: data, log: directory.appending(path: "server.log"), port: port)
        try await SubprocessCommand(
            installation.executable("psql"),
            ["-X", "-q", "-h", directory.path, "-p", String(port), "-U", "postgres", "-c", "CREATE ROLE alice LOGIN"],
            timeout: .seconds(60)
        ).runExpectingSuccess("psql CREATE ROLE")
        return PostgresTLSServerFixture(port: port)
    }

    /// Runs `postgres` directly and waits until it accepts connections. Not `pg_ctl start`: Foundation's
    /// `Process` notices a child's exit only once every inheritor of a private socket has closed it, and the
    /// daemonized server would keep it open for good.
    private static func startServer(installation: PostgresInstallation, data: URL, log: URL, port: Int) async throws {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        let command = try SubprocessCommand(installation.executable("postgres"), ["-D", data.path])
            .asPostgresUserIfRoot()
        let process = Process()
        process.executableURL = command.executable
        process.arguments = command.arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let readiness = SubprocessCommand(
            try installation.executable("pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port), "-t", "1"],
            timeout: .seconds(10))
        for _ in 0..<300 {
            if try await readiness.run().succeeded { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw TLSTestError.timedOut("waiting for PostgreSQL to start. Server log:\n\(text)")
    }

    private static func appendText(_ text: String, to file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Starts a shell loop that stops the server and deletes `directory` once this process has gone.
    private static func startWatchdog(directory: URL, pgCtl: URL) throws {
        let data = directory.appending(path: "data").path
        let runAs = geteuid() == 0 ? "runuser -u postgres -- " : ""
        let process = Process()
        process.executableURL = URL(filePath: "/bin/sh")
        process.arguments = [
            "-c",
            """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            if [ -d '\(data)' ]; then \(runAs)'\(pgCtl.path)' -D '\(data)' -m immediate stop >/dev/null 2>&1; fi
            rm -rf '\(directory.path)'
            """,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }
}
