import Foundation

/// A disposable PostgreSQL cluster in a temporary directory, listening on a free loopback port.
///
/// Local (Unix socket) connections are trusted, so ``superuser`` needs no password; TCP connections follow the
/// `pg_hba.conf` rules of the ``Configuration``, then trust (unless it says otherwise). A watchdog process stops
/// the server and removes the directory if the test process dies without calling ``stop()``.
public struct PostgresServerFixture: Sendable {
    /// How a cluster is set up: its directory's name, its authentication rules, settings, files and roles.
    public struct Configuration: Sendable {
        /// Names the cluster's directory (`/tmp/pgw-<label>-<UUID>`) and its settings (`# pgw <label> tests`).
        public var label: String
        /// `pg_hba.conf` lines (such as `host all alice 127.0.0.1/32 scram-sha-256`) placed after
        /// `local all all trust` and before the final `host all all 127.0.0.1/32 trust`, if any
        /// (``trustsOtherLoopbackConnections``).
        public var hostBasedAuthentication: [String]
        /// Whether `pg_hba.conf` ends with `host all all 127.0.0.1/32 trust`; when `false`, TCP connections that
        /// match none of the ``hostBasedAuthentication`` lines are refused.
        public var trustsOtherLoopbackConnections: Bool
        /// `postgresql.conf` lines (such as `wal_level = logical`) appended after the fixture's own settings,
        /// so they can also override them (`ssl = on`).
        public var serverSettings: [String]
        /// Files copied into the data directory before the server starts (such as `server.crt` and
        /// `server.key` for `ssl = on`), owned by the `postgres` user when running as root.
        public var dataDirectoryFiles: [DataDirectoryFile]
        /// Roles created, in order, once the server accepts connections.
        public var roles: [Role]

        /// A configuration with the given label, `pg_hba.conf` rules, `postgresql.conf` lines, data directory
        /// files and roles.
        public init(
            label: String,
            hostBasedAuthentication: [String] = [],
            trustsOtherLoopbackConnections: Bool = true,
            serverSettings: [String] = [],
            dataDirectoryFiles: [DataDirectoryFile] = [],
            roles: [Role] = []
        ) {
            self.label = label
            self.hostBasedAuthentication = hostBasedAuthentication
            self.trustsOtherLoopbackConnections = trustsOtherLoopbackConnections
            self.serverSettings = serverSettings
            self.dataDirectoryFiles = dataDirectoryFiles
            self.roles = roles
        }
    }

    /// A file copied into the data directory before the server starts.
    public struct DataDirectoryFile: Sendable {
        /// The file to copy.
        public var source: URL
        /// The copy's name in the data directory, which `postgresql.conf` settings refer to.
        public var name: String
        /// The copy's permission bits (`0o600` for a private key); `nil` keeps the source's.
        public var permissions: Int?

        /// A copy of `source` named `name` in the data directory, with `permissions` (`nil` keeps the source's).
        public init(source: URL, name: String, permissions: Int? = nil) {
            self.source = source
            self.name = name
            self.permissions = permissions
        }
    }

    /// A login role with a password, created by the superuser when the cluster starts.
    public struct Role: Sendable {
        /// The role's name.
        public var name: String
        /// The role's password.
        public var password: String
        /// The `password_encryption` setting the password is stored with (`md5` or `scram-sha-256`).
        public var passwordEncryption: String

        /// A role `name` whose `password` is stored with `passwordEncryption`.
        public init(name: String, password: String, passwordEncryption: String) {
            self.name = name
            self.password = password
            self.passwordEncryption = passwordEncryption
        }
    }

    /// The superuser that connects over the Unix socket without a password.
    public static let superuser = "postgres"

    /// Where the server programs were found.
    public let installation: PostgresInstallation
    /// The temporary directory holding the data directory, the log and the Unix socket.
    public let directory: URL
    /// The TCP port on 127.0.0.1.
    public let port: Int
    private let watchdogProcessID: Int32

    private var dataDirectory: URL { directory.appending(path: "data", directoryHint: .isDirectory) }
    private var logFile: URL { directory.appending(path: "server.log") }

    /// Initializes, configures and starts a new cluster as `configuration` describes, then creates its roles.
    public static func start(_ configuration: Configuration) async throws -> PostgresServerFixture {
        let installation = PostgresInstallation()
        for program in ["initdb", "pg_ctl", "postgres", "pg_isready", "psql"] {
            _ = try installation.executable(program)
        }
        if geteuid() == 0 {
            _ = try PostgresInstallation.executableOnPath("runuser")
            guard getpwnam("postgres") != nil else {
                throw TestSupportError.missingPrerequisite(
                    "a 'postgres' system user to run the server as (PostgreSQL refuses to run as root)")
            }
        }

        let directory = URL(filePath: "/tmp", directoryHint: .isDirectory)
            .appending(path: "pgw-\(configuration.label)-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try giveToPostgresUser(directory)
            let dataDirectory = directory.appending(path: "data", directoryHint: .isDirectory)
            try await SubprocessCommand(
                try installation.executable("initdb"),
                [
                    "-D", dataDirectory.path, "--auth=trust", "-U", superuser, "--encoding=UTF8",
                    "--locale=C", "--no-sync",
                ],
                timeout: .seconds(120)
            ).asPostgresUserIfRoot().runExpectingSuccess("initdb")
            let lines =
                ["local all all trust"] + configuration.hostBasedAuthentication
                + (configuration.trustsOtherLoopbackConnections ? ["host all all 127.0.0.1/32 trust"] : [])
            try (lines.joined(separator: "\n") + "\n")
                .write(to: dataDirectory.appending(path: "pg_hba.conf"), atomically: false, encoding: .utf8)
            try copyFiles(configuration.dataDirectoryFiles, into: dataDirectory)

            var lastFailure: (any Error)?
            for _ in 0..<3 {
                let port = try FreeLoopbackPort.find()
                try appendServerSettings(
                    into: dataDirectory, port: port, socketDirectory: directory, configuration: configuration)
                let watchdog = try startWatchdog(directory: directory, installation: installation)
                let server = PostgresServerFixture(
                    installation: installation, directory: directory, port: port, watchdogProcessID: watchdog)
                do {
                    try await server.startServer()
                } catch {
                    lastFailure = error
                    await server.stopServer()
                    kill(watchdog, SIGTERM)
                    continue
                }
                do {
                    try await server.createRoles(configuration.roles)
                } catch {
                    await server.stop()
                    throw error
                }
                return server
            }
            throw lastFailure ?? TestSupportError.setupFailed("PostgreSQL did not start")
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Stops the server immediately and deletes its directory.
    public func stop() async {
        await stopServer()
        kill(watchdogProcessID, SIGTERM)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs SQL as the superuser over the Unix socket (not through any relay) in `database` and returns psql's
    /// unaligned, tuples-only output.
    @discardableResult
    public func runAdministrativeSQL(_ sql: String, database: String = "postgres") async throws -> String {
        try await SubprocessCommand(
            try installation.executable("psql"),
            [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory.path, "-p", String(port),
                "-U", Self.superuser, "-d", database, "-c", sql,
            ],
            environment: ProcessInfo.processInfo.environment.merging(["PGCLIENTENCODING": "UTF8"]) { $1 },
            timeout: .seconds(60)
        ).runExpectingSuccess("psql -c \(sql)").standardOutput
    }

    /// Runs `sql` with psql connected over TCP as `role` with `password` (never prompting), and reports how
    /// psql ended: status 2 and "password authentication failed" on standard error for a wrong password.
    public func runSQL(_ sql: String, as role: String, password: String) async throws -> ProcessOutcome {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGPASSFILE"] = "/dev/null"
        environment["PGCONNECT_TIMEOUT"] = "20"
        return try await SubprocessCommand(
            try installation.executable("psql"),
            [
                "-X", "-w", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", String(port), "-U", role, "-d", "postgres",
                "-c", sql,
            ],
            environment: environment,
            timeout: .seconds(60)
        ).run()
    }

    /// Runs `postgres` directly and waits until it accepts connections.
    ///
    /// `pg_ctl start` is avoided on purpose: Foundation's `Process` notices that a child exited
    /// only when every inheritor of a private socket has closed it, and the daemonized server
    /// would keep it open for good.
    private func startServer() async throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: logFile)
        defer { try? logHandle.close() }
        let command = try SubprocessCommand(try installation.executable("postgres"), ["-D", dataDirectory.path])
            .asPostgresUserIfRoot()
        let process = Process()
        process.executableURL = command.executable
        process.arguments = command.arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()

        let readiness = SubprocessCommand(
            try installation.executable("pg_isready"),
            ["-q", "-h", "127.0.0.1", "-p", String(port), "-U", Self.superuser, "-t", "1"],
            timeout: .seconds(10))
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while try await !readiness.run().succeeded {
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            // pg_isready's own attempts while the server starts are logged as FATAL too ("the database system is
            // starting up"; on a loaded machine the start takes long enough for them): those are no failure.
            let failed = log.split(separator: "\n").contains {
                $0.contains("FATAL") && !$0.contains("the database system is starting up")
            }
            if failed || clock.now > deadline {
                throw TestSupportError.setupFailed("postgres did not start accepting connections. Server log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func stopServer() async {
        guard let pgCtl = try? installation.executable("pg_ctl"),
            let command = try? SubprocessCommand(
                pgCtl, ["-D", dataDirectory.path, "-m", "immediate", "-w", "stop"], timeout: .seconds(30)
            ).asPostgresUserIfRoot()
        else { return }
        _ = try? await command.run()
    }

    private func createRoles(_ roles: [Role]) async throws {
        guard !roles.isEmpty else { return }
        var statements: [String] = []
        for role in roles {
            statements.append("SET password_encryption = '\(role.passwordEncryption)'")
            statements.append("CREATE ROLE \(role.name) LOGIN PASSWORD '\(role.password)'")
        }
        try await runAdministrativeSQL(statements.joined(separator: "; "))
    }

    private static func appendServerSettings(
        into dataDirectory: URL, port: Int, socketDirectory: URL, configuration: Configuration
    ) throws {
        let lines =
            [
                "",
                "# pgw \(configuration.label) tests",
                "listen_addresses = '127.0.0.1'",
                "port = \(port)",
                "unix_socket_directories = '\(socketDirectory.path)'",
                "ssl = off",
                "fsync = off",
                "full_page_writes = off",
                "max_connections = 50",
            ] + configuration.serverSettings
        let handle = try FileHandle(forWritingTo: dataDirectory.appending(path: "postgresql.conf"))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    private static func copyFiles(_ files: [DataDirectoryFile], into dataDirectory: URL) throws {
        for file in files {
            let destination = dataDirectory.appending(path: file.name)
            try FileManager.default.copyItem(at: file.source, to: destination)
            if let permissions = file.permissions {
                try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: destination.path)
            }
            try giveToPostgresUser(destination)
        }
    }

    private static func giveToPostgresUser(_ url: URL) throws {
        guard geteuid() == 0, let user = getpwnam("postgres") else { return }
        guard chown(url.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw TestSupportError.missingPrerequisite(
                "permission to chown \(url.path) to postgres (errno \(errno))")
        }
    }

    /// Starts a shell loop that stops the server and deletes `directory` once this process has gone.
    private static func startWatchdog(directory: URL, installation: PostgresInstallation) throws -> Int32 {
        let pgCtl = try installation.executable("pg_ctl").path
        let data = directory.appending(path: "data").path
        let runAs = geteuid() == 0 ? "runuser -u postgres -- " : ""
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            if [ -d '\(data)' ]; then \(runAs)'\(pgCtl)' -D '\(data)' -m immediate stop >/dev/null 2>&1; fi
            rm -rf '\(directory.path)'
            """
        let process = Process()
        process.executableURL = URL(filePath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process.processIdentifier
    }
}
