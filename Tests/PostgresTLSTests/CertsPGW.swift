import Foundation
import PostgresTestSupport

/// Files for the `pgw certs` tests, made by the built `pgw` (``PGWExecutable``).
enum CertsPGW {
    /// A new empty directory for one test's files. It lies in this process's root directory, which is deleted
    /// once the process has gone.
    static func temporaryDirectory() throws -> URL {
        let directory = try root.get().appending(path: UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    private static let root = Result { () throws -> URL in
        let root = URL(filePath: "/tmp").appending(path: "pgw-certs-tests-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let watchdog = Process()
        watchdog.executableURL = URL(filePath: "/bin/sh")
        watchdog.arguments = [
            "-c",
            """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            rm -rf '\(root.path)'
            """,
        ]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        return root
    }

    /// Runs `pgw certs generate` into a new directory and returns it.
    static func generate(serverName: String, clients: [String] = []) async throws -> URL {
        let directory = try temporaryDirectory()
        let outcome = try await PGWExecutable.run(
            ["certs", "generate", "--dir", directory.path, "--server-name", serverName]
                + clients.flatMap { ["--client", $0] })
        guard outcome.succeeded else { throw TestSupportError.commandFailed("pgw certs generate", outcome) }
        return directory
    }
}
