import Foundation
import PostgresTestSupport

/// A ``RecordingRelay`` in front of the test server, with helpers that point client programs at it.
///
/// Use ``record(server:_:)``: it starts the relay, runs the scenario, waits for every relayed
/// connection to close and returns the captures.
struct CaptureSession: Sendable {
    let server: PostgresServerFixture
    /// The port clients connect to instead of the server's.
    let relayPort: Int
    /// A scratch directory for the scenario's files; clients run with it as working directory.
    let workingDirectory: URL

    /// Runs `scenario` against a fresh relay and returns what each of its connections carried.
    static func record(
        server: PostgresServerFixture,
        _ scenario: (CaptureSession) async throws -> Void
    ) async throws -> [ConnectionCapture] {
        let relay = RecordingRelay(targetPort: server.port)
        let relayPort = try await relay.start()
        let workingDirectory = FileManager.default.temporaryDirectory
            .appending(path: "pgw-scenario-\(UUID().uuidString)", directoryHint: .isDirectory)
        do {
            try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
            try await scenario(
                CaptureSession(server: server, relayPort: relayPort, workingDirectory: workingDirectory))
            try await relay.waitUntilAllConnectionsClosed()
        } catch {
            await relay.stop()
            try? FileManager.default.removeItem(at: workingDirectory)
            throw error
        }
        await relay.stop()
        try? FileManager.default.removeItem(at: workingDirectory)
        return await relay.captures()
    }

    /// The environment for a libpq-style client connecting through the relay.
    ///
    /// SSL is `prefer` (the server refuses it, so connections start with SSLRequest and 'N'),
    /// GSS encryption is off, and no other `PG*` variables leak in from the caller.
    func environment(
        user: String = PostgresServerFixture.superuser,
        password: String? = nil,
        database: String = "postgres"
    ) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["PGHOST"] = "127.0.0.1"
        environment["PGPORT"] = String(relayPort)
        environment["PGUSER"] = user
        environment["PGDATABASE"] = database
        environment["PGSSLMODE"] = "prefer"
        environment["PGGSSENCMODE"] = "disable"
        environment["PGCONNECT_TIMEOUT"] = "30"
        environment["PGAPPNAME"] = "pgw-capture-tests"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        if let password {
            environment["PGPASSWORD"] = password
        }
        return environment
    }

    /// A PostgreSQL client program (psql, pgbench, pg_recvlogical, …) connecting through the relay.
    func postgresClient(
        _ program: String,
        _ arguments: [String],
        user: String = PostgresServerFixture.superuser,
        password: String? = nil,
        database: String = "postgres",
        timeout: Duration = .seconds(60)
    ) throws -> SubprocessCommand {
        SubprocessCommand(
            try server.installation.executable(program),
            arguments,
            environment: environment(user: user, password: password, database: database),
            workingDirectory: workingDirectory,
            timeout: timeout
        )
    }

    /// `psql` running `arguments` non-interactively, never prompting for a password.
    func psql(
        _ arguments: [String],
        user: String = PostgresServerFixture.superuser,
        password: String? = nil,
        database: String = "postgres"
    ) throws -> SubprocessCommand {
        try postgresClient(
            "psql", ["-X", "-w", "-v", "ON_ERROR_STOP=0"] + arguments,
            user: user, password: password, database: database)
    }

    /// A client script from `Clients/` run with `python3`, after checking that `modules` import.
    func pythonClient(
        _ script: String,
        _ arguments: [String] = [],
        requiring modules: [String],
        database: String = "postgres"
    ) async throws -> SubprocessCommand {
        let python = try PostgresInstallation.executableOnPath("python3")
        for module in modules {
            let check = try await SubprocessCommand(python, ["-c", "import \(module)"], timeout: .seconds(30)).run()
            guard check.succeeded else {
                throw TestSupportError.missingPrerequisite(
                    "Python module '\(module)' for \(python.path) (pip install \(module)): \(check.standardError)")
            }
        }
        return SubprocessCommand(
            python,
            [try Self.clientScript(script).path] + arguments,
            environment: environment(database: database),
            workingDirectory: workingDirectory,
            timeout: .seconds(60)
        )
    }

    /// The URL of a file shipped in the test bundle's `Clients` directory.
    static func clientScript(_ name: String) throws -> URL {
        let file = URL(filePath: name)
        guard
            let url = Bundle.module.url(
                forResource: file.deletingPathExtension().lastPathComponent,
                withExtension: file.pathExtension,
                subdirectory: "Clients")
        else {
            throw TestSupportError.missingPrerequisite("client script Clients/\(name) in the test bundle")
        }
        return url
    }
}
